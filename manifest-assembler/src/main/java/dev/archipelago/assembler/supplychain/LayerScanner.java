package dev.archipelago.assembler.supplychain;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import com.fasterxml.jackson.databind.JsonNode;

import dev.archipelago.registry.RegistryClient;

/**
 * Reads an image's package databases out of its layers: each layer is streamed from the registry
 * into a temporary file (size-limited, digest-checked), read as a tar (gzip or uncompressed), and
 * the files {@link ImagePackages} wants are kept with the layer's whiteouts. What a layer holds is
 * remembered by its digest, so a base shared by several images of a run is read once.
 */
public class LayerScanner {

    private static final int MAX_FILE_BYTES = 64 * 1024 * 1024;
    private static final int CACHED_LAYERS = 256;

    private final RegistryClient registry;
    private final long maxLayerBytes;
    private final Path workDir;
    private final Map<String, Layer> layers = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Layer> eldest) {
            return size() > CACHED_LAYERS;
        }
    });

    /**
     * The wanted files a layer adds, the paths it deletes and the folders it makes opaque; warnings for what it could not read.
     */
    record Layer(Map<String, byte[]> files, Set<String> whiteouts, Set<String> opaque, List<String> warnings) {
    }

    public LayerScanner(RegistryClient registry, long maxLayerBytes, Path workDir) {
        this.registry = registry;
        this.maxLayerBytes = maxLayerBytes;
        this.workDir = workDir;
    }

    /** The packages of the image whose manifest is given, from its layers in order. */
    public ImagePackages.Result scan(String host, String repository, JsonNode manifest) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        List<String> warnings = new ArrayList<>();
        for (JsonNode descriptor : manifest.path("layers")) {
            String digest = descriptor.path("digest").asText();
            Layer layer = layers.get(digest);
            if (layer == null) {
                layer = read(host, repository, digest);
                layers.put(digest, layer);
            }
            for (String gone : layer.whiteouts()) {
                files.keySet().removeIf(p -> p.equals(gone) || p.startsWith(gone + "/"));
            }
            for (String dir : layer.opaque()) {
                files.keySet().removeIf(p -> p.startsWith(dir + "/"));
            }
            files.putAll(layer.files());
            warnings.addAll(layer.warnings());
        }
        ImagePackages.Result result = ImagePackages.read(files);
        List<String> all = new ArrayList<>(warnings);
        all.addAll(result.warnings());
        return new ImagePackages.Result(result.distroId(), result.distroVersion(), result.packages(), List.copyOf(all));
    }

    private Layer read(String host, String repository, String digest) throws IOException {
        Files.createDirectories(workDir);
        Path blob = Files.createTempFile(workDir, "layer-", ".blob");
        try {
            registry.getBlobTo(host, repository, digest, blob, maxLayerBytes);
            return read(blob, digest);
        } finally {
            Files.deleteIfExists(blob);
        }
    }

    /** Reads one layer file: gzip or plain tar, told apart by their first bytes. */
    static Layer read(Path blob, String digest) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        Set<String> whiteouts = new HashSet<>();
        Set<String> opaque = new HashSet<>();
        List<String> warnings = new ArrayList<>();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(blob))) {
            raw.mark(4);
            byte[] magic = raw.readNBytes(4);
            raw.reset();
            InputStream tar;
            if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
                tar = new GZIPInputStream(raw, 64 * 1024);
            } else if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5
                    && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
                warnings.add("layer " + digest + " is zstd-compressed; its packages are not listed");
                return new Layer(Map.of(), Set.of(), Set.of(), warnings);
            } else {
                tar = raw;
            }
            try (TarArchiveInputStream entries = new TarArchiveInputStream(tar)) {
                for (TarArchiveEntry entry; (entry = entries.getNextEntry()) != null;) {
                    String path = normalize(entry.getName());
                    String name = path.substring(path.lastIndexOf('/') + 1);
                    String dir = path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "";
                    if (name.equals(".wh..wh..opq")) {
                        opaque.add(dir);
                    } else if (name.startsWith(".wh.")) {
                        whiteouts.add((dir.isEmpty() ? "" : dir + "/") + name.substring(4));
                    } else if (entry.isFile() && !entry.isSymbolicLink() && !entry.isLink() && ImagePackages.wanted(path)) {
                        // links are left out: Debian's /etc/os-release points at /usr/lib/os-release, which is read itself
                        if (entry.getSize() > MAX_FILE_BYTES) {
                            warnings.add(
                                    "/" + path + " in layer " + digest + " is over " + MAX_FILE_BYTES + " bytes; not read");
                        } else {
                            files.put(path, entries.readNBytes((int) entry.getSize()));
                        }
                    }
                }
            }
        } catch (IOException e) {
            warnings.add("layer " + digest + " could not be read to its end (" + e.getMessage()
                    + "); packages from the part read are listed");
        }
        return new Layer(files, whiteouts, opaque, warnings);
    }

    private static String normalize(String name) {
        String path = name;
        while (path.startsWith("./") || path.startsWith("/")) {
            path = path.startsWith("./") ? path.substring(2) : path.substring(1);
        }
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
