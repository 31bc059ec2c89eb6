package dev.archipelago.assembler.supplychain;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;

import org.cyclonedx.Version;
import org.cyclonedx.exception.GeneratorException;
import org.cyclonedx.generators.BomGeneratorFactory;
import org.cyclonedx.model.Bom;
import org.cyclonedx.model.Component;
import org.cyclonedx.model.Metadata;
import org.cyclonedx.model.Property;

import dev.archipelago.model.Platform;

/**
 * A platform image's SBOM as CycloneDX 1.6 JSON, written with the CycloneDX core library: the image
 * as the metadata component, each package a library component with its package URL, and the
 * scan's warnings as properties. The same image gives the same bytes (its serial number comes from
 * its digest), so a retried assembly attaches the same SBOM.
 */
public final class CycloneDxSbom {

    public static final String MEDIA_TYPE = "application/vnd.cyclonedx+json";

    private CycloneDxSbom() {
    }

    public static byte[] of(String repository, String digest, Platform platform, ImagePackages.Result scan, Instant created) {
        Bom bom = new Bom();
        bom.setSerialNumber("urn:uuid:" + UUID.nameUUIDFromBytes((repository + "@" + digest).getBytes(StandardCharsets.UTF_8)));
        bom.setVersion(1);
        Metadata metadata = new Metadata();
        metadata.setTimestamp(Date.from(created));
        Component image = new Component();
        image.setType(Component.Type.CONTAINER);
        image.setName(repository);
        image.setVersion(digest);
        image.setBomRef(repository + "@" + digest);
        image.addProperty(new Property("archipelago:platform", platform.ociName()));
        if (scan.distroId() != null) {
            image.addProperty(new Property("archipelago:distro", scan.distroId()
                    + (scan.distroVersion() == null ? "" : "-" + scan.distroVersion())));
        }
        metadata.setComponent(image);
        List<Property> warnings = new ArrayList<>();
        scan.warnings().forEach(w -> warnings.add(new Property("archipelago:warning", w)));
        if (!warnings.isEmpty()) {
            metadata.setProperties(warnings);
        }
        bom.setMetadata(metadata);
        List<Component> components = new ArrayList<>();
        for (ImagePackages.Package p : scan.packages()) {
            Component component = new Component();
            component.setType(Component.Type.LIBRARY);
            component.setName(p.name());
            component.setVersion(p.version());
            String purl = purl(p, scan);
            component.setPurl(purl);
            component.setBomRef(purl);
            components.add(component);
        }
        bom.setComponents(components);
        try {
            return BomGeneratorFactory.createJson(Version.VERSION_16, bom).toJsonString().getBytes(StandardCharsets.UTF_8);
        } catch (GeneratorException e) {
            throw new IllegalStateException("the SBOM of " + digest + " could not be written: " + e.getMessage(), e);
        }
    }

    /** The package URL (purl spec): {@code pkg:deb/debian/name@version?arch=amd64&distro=debian-12}. */
    static String purl(ImagePackages.Package p, ImagePackages.Result scan) {
        String namespace = switch (p.type()) {
            case "deb" -> "/" + (scan.distroId() == null ? "debian" : scan.distroId());
            case "apk" -> "/" + (scan.distroId() == null ? "alpine" : scan.distroId());
            default -> "";
        };
        StringBuilder purl = new StringBuilder("pkg:").append(p.type()).append(namespace).append('/')
                .append(encode(p.type().equals("pypi") ? p.name().toLowerCase().replace('_', '-') : p.name()))
                .append('@').append(encode(p.version()));
        List<String> qualifiers = new ArrayList<>();
        if (!p.arch().isEmpty()) {
            qualifiers.add("arch=" + encode(p.arch()));
        }
        if (!p.type().equals("pypi") && scan.distroId() != null) {
            qualifiers.add(
                    "distro=" + encode(scan.distroId() + (scan.distroVersion() == null ? "" : "-" + scan.distroVersion())));
        }
        if (!qualifiers.isEmpty()) {
            purl.append('?').append(String.join("&", qualifiers));
        }
        return purl.toString();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20").replace("%3A", ":");
    }
}
