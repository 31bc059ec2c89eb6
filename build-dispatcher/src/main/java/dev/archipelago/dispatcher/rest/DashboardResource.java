package dev.archipelago.dispatcher.rest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.regex.Pattern;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The web dashboard: one page (plain JavaScript in {@code /dashboard/app.js}, no front-end build)
 * that reads the same API as everyone else. Each of its views has a real address, so a link in a
 * commit status ({@code /builds/<id>}) opens that build. The page holds no data, so it needs no
 * token; its script asks for one and sends it with every API call.
 */
@PermitAll
@Path("/")
@Produces(MediaType.TEXT_HTML)
public class DashboardResource {

    private static final Pattern BUILD_ID = Pattern.compile("[0-9a-fA-F-]{1,36}");
    private static final byte[] PAGE = load();

    @GET
    @Operation(hidden = true)
    public Response builds() {
        return page();
    }

    @GET
    @Path("builds/{id}")
    @Operation(hidden = true)
    public Response build(@PathParam("id") String id) {
        return BUILD_ID.matcher(id).matches() ? page()
                : Response.status(404).type(MediaType.TEXT_PLAIN).entity("no such page").build();
    }

    @GET
    @Path("workers")
    @Operation(hidden = true)
    public Response workers() {
        return page();
    }

    @GET
    @Path("submit")
    @Operation(hidden = true)
    public Response submit() {
        return page();
    }

    private static Response page() {
        return Response.ok(PAGE).header("Cache-Control", "no-cache")
                .header("Content-Security-Policy",
                        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
                .header("X-Content-Type-Options", "nosniff").build();
    }

    private static byte[] load() {
        try (InputStream in = DashboardResource.class.getResourceAsStream("/dashboard/index.html")) {
            if (in == null) {
                throw new IllegalStateException("dashboard/index.html is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
