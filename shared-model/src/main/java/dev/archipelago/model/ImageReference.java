package dev.archipelago.model;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container image reference in the Docker reference grammar:
 * {@code [registry[:port]/]path[:tag][@digest]}.
 *
 * <p>
 * A first component with a dot, a port, or equal to {@code localhost} is the registry;
 * otherwise the registry is {@code docker.io}, and a single-component Docker Hub name gets
 * the {@code library/} prefix, as the Docker CLI does. {@link #toString()} gives the
 * canonical form with the registry always spelled out.
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

    /** The registry a reference without one means. */
    public static final String DEFAULT_REGISTRY = "docker.io";
    /** The host that serves the API of {@link #DEFAULT_REGISTRY}. */
    public static final String DEFAULT_REGISTRY_API_HOST = "registry-1.docker.io";

    public static final int MAX_TAG_LENGTH = 128;
    public static final int MAX_NAME_LENGTH = 255;

    private static final Pattern DOMAIN_COMPONENT = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9a-fA-F:]+]");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):(.*)");
    private static final Pattern HEX = Pattern.compile("[0-9a-f]+");

    public ImageReference {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(repository, "repository");
        validateRegistry(registry);
        validateRepository(registry, repository);
        if (tag != null) {
            validateTag(tag);
        }
        if (digest != null) {
            validateDigest(digest);
        }
    }

    /**
     * Parses a reference.
     *
     * @throws InvalidImageReferenceException saying what is wrong and where
     */
    public static ImageReference parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidImageReferenceException("image reference is empty");
        }
        if (!text.equals(text.strip())) {
            throw new InvalidImageReferenceException("image reference '" + text + "' has leading or trailing blanks");
        }
        String rest = text;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        String tag = null;
        int lastSlash = rest.lastIndexOf('/');
        int colon = rest.indexOf(':', lastSlash + 1);
        if (colon >= 0) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (tag.isEmpty()) {
                throw new InvalidImageReferenceException("image reference '" + text + "' has an empty tag after ':'");
            }
        }
        String registry;
        String repository;
        int firstSlash = rest.indexOf('/');
        String first = firstSlash < 0 ? rest : rest.substring(0, firstSlash);
        if (firstSlash >= 0 && looksLikeRegistry(first)) {
            registry = first;
            repository = rest.substring(firstSlash + 1);
        } else {
            registry = DEFAULT_REGISTRY;
            repository = rest;
        }
        if (registry.equals(DEFAULT_REGISTRY) && !repository.isEmpty() && !repository.contains("/")) {
            repository = "library/" + repository;
        }
        if (digest != null && digest.isEmpty()) {
            throw new InvalidImageReferenceException("image reference '" + text + "' has an empty digest after '@'");
        }
        return new ImageReference(registry, repository, tag, digest);
    }

    /**
     * Parses a repository name without tag or digest, such as {@code quay.io/org/demos}.
     *
     * @throws InvalidImageReferenceException when it is not a valid name or carries a tag or digest
     */
    public static ImageReference parseRepository(String text) {
        ImageReference reference = parse(text);
        if (reference.tag != null || reference.digest != null) {
            throw new InvalidImageReferenceException("'" + text + "' must name a repository only, without ':tag' or '@digest'");
        }
        return reference;
    }

    /** Checks a tag against the grammar. */
    public static void validateTag(String tag) {
        if (tag == null || tag.isEmpty()) {
            throw new InvalidImageReferenceException("tag is empty");
        }
        if (tag.length() > MAX_TAG_LENGTH) {
            throw new InvalidImageReferenceException("tag '" + abbreviate(tag) + "' is " + tag.length()
                    + " characters long; the limit is " + MAX_TAG_LENGTH);
        }
        if (!TAG.matcher(tag).matches()) {
            throw new InvalidImageReferenceException("tag '" + abbreviate(tag)
                    + "' is invalid: use letters, digits, '_', '.' and '-', not starting with '.' or '-'");
        }
    }

    /** Checks a digest: {@code sha256} with 64 or {@code sha512} with 128 lower-case hex digits. */
    public static void validateDigest(String digest) {
        Matcher m = DIGEST.matcher(digest);
        if (!m.matches()) {
            throw new InvalidImageReferenceException("digest '" + abbreviate(digest) + "' is not of the form algorithm:hex");
        }
        String algorithm = m.group(1);
        String hex = m.group(2);
        int expected = switch (algorithm) {
            case "sha256" -> 64;
            case "sha512" -> 128;
            default -> throw new InvalidImageReferenceException("digest algorithm '" + algorithm
                    + "' is not supported; use sha256 or sha512");
        };
        if (hex.length() != expected || !HEX.matcher(hex).matches()) {
            throw new InvalidImageReferenceException("digest '" + abbreviate(digest) + "' must have " + expected
                    + " lower-case hex digits after '" + algorithm + ":'");
        }
    }

    /** {@code registry/repository}, without tag or digest. */
    public String name() {
        return registry + "/" + repository;
    }

    /** The host (and port) to call for the registry API of this reference. */
    public String apiHost() {
        return registry.equals(DEFAULT_REGISTRY) ? DEFAULT_REGISTRY_API_HOST : registry;
    }

    public ImageReference withTag(String newTag) {
        return new ImageReference(registry, repository, newTag, null);
    }

    public ImageReference withDigest(String newDigest) {
        return new ImageReference(registry, repository, null, newDigest);
    }

    /** The tag or, when there is one, the digest: what the registry API calls a manifest reference. */
    public String manifestReference() {
        if (digest != null) {
            return digest;
        }
        if (tag != null) {
            return tag;
        }
        return "latest";
    }

    /** The canonical form, with the registry spelled out. */
    @Override
    public String toString() {
        return name() + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    private static boolean looksLikeRegistry(String component) {
        // Docker also takes an upper-case first component for a host; a mistyped repository is likelier.
        return component.contains(".") || component.contains(":") || component.equals("localhost");
    }

    private static void validateRegistry(String registry) {
        String host = registry;
        String port = null;
        if (registry.startsWith("[")) {
            int end = registry.indexOf(']');
            if (end < 0 || !IPV6.matcher(registry.substring(0, end + 1)).matches()) {
                throw new InvalidImageReferenceException("registry '" + registry + "' is not a valid IPv6 address in brackets");
            }
            host = registry.substring(0, end + 1);
            if (end + 1 < registry.length()) {
                if (registry.charAt(end + 1) != ':') {
                    throw new InvalidImageReferenceException("registry '" + registry + "' has junk after the address");
                }
                port = registry.substring(end + 2);
            }
        } else {
            int colon = registry.indexOf(':');
            if (colon >= 0) {
                host = registry.substring(0, colon);
                port = registry.substring(colon + 1);
            }
            if (host.isEmpty()) {
                throw new InvalidImageReferenceException("registry '" + registry + "' has an empty host name");
            }
            for (String component : host.split("\\.", -1)) {
                if (component.isEmpty()) {
                    throw new InvalidImageReferenceException("registry '" + registry + "' has an empty host name component");
                }
                if (!DOMAIN_COMPONENT.matcher(component).matches()) {
                    throw new InvalidImageReferenceException("registry host component '" + component
                            + "' is invalid: use letters, digits and '-', not at either end");
                }
            }
        }
        if (port != null && (!PORT.matcher(port).matches() || Integer.parseInt(port) > 65535)) {
            throw new InvalidImageReferenceException("registry port '" + port + "' is not a number from 0 to 65535");
        }
    }

    private static void validateRepository(String registry, String repository) {
        if (repository.isEmpty()) {
            throw new InvalidImageReferenceException("repository name is empty");
        }
        if (registry.length() + 1 + repository.length() > MAX_NAME_LENGTH) {
            throw new InvalidImageReferenceException("repository name '" + abbreviate(registry + "/" + repository)
                    + "' is longer than " + MAX_NAME_LENGTH + " characters");
        }
        for (String component : repository.split("/", -1)) {
            if (component.isEmpty()) {
                throw new InvalidImageReferenceException("repository '" + repository
                        + "' has an empty path component (leading, trailing or double '/')");
            }
            if (!component.equals(component.toLowerCase(Locale.ROOT))) {
                throw new InvalidImageReferenceException("repository '" + repository
                        + "' must be lower case ('" + component + "')");
            }
            if (!PATH_COMPONENT.matcher(component).matches()) {
                throw new InvalidImageReferenceException("repository path component '" + component
                        + "' is invalid: use a-z, 0-9, separated by '.', '_', '__' or '-'");
            }
        }
    }

    private static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 37) + "...";
    }
}
