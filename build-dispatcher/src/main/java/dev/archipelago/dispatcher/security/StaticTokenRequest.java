package dev.archipelago.dispatcher.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A bearer token to be checked against the configured static tokens. */
final class StaticTokenRequest extends BaseAuthenticationRequest {

    private final String token;

    StaticTokenRequest(String token) {
        this.token = token;
    }

    String token() {
        return token;
    }

    @Override
    public String toString() {
        return "StaticTokenRequest[***]";
    }
}
