package dev.archipelago.worker.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import dev.archipelago.model.SafeText;
import dev.archipelago.model.events.BuildErrorCode;
import dev.archipelago.worker.job.BuildFailure;

/**
 * Unpacks a build context (the gzip tar the CLI makes) into an empty folder, trusting nothing in
 * it: names must be relative and stay inside (no leading {@code /}, no {@code ..}); only
 * folders, regular files and links that stay inside are made; devices, FIFOs and anything else
 * are refused; nothing is written through a link; the unpacked bytes and the number of entries
 * are bounded while reading (a tar bomb or a gzip bomb is refused when it passes the limit).
 * Files get mode 0644 (0755 when executable), whatever the archive says. A refusal names the
 * entry and the rule; what was unpacked stays inside the folder, which the build removes.
 */
public final class ContextArchive {

    private ContextArchive() {
    }

    /** What was unpacked: entries and bytes. */
    record Unpacked(int entries, long bytes) {
    }

    static Unpacked unpack(Path archive, Path into, long maxBytes, int maxEntries) throws BuildFailure, IOException {
        Files.createDirectories(into);
        Path root = into.toRealPath();
        Set<String> seen = new HashSet<>();
        int entries = 0;
        long bytes = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new GZIPInputStream(Files.newInputStream(archive), 64 * 1024))) {
            for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null;) {
                if (++entries > maxEntries) {
                    throw refused("it holds more than " + maxEntries + " entries (the limit)");
                }
                String name = relativeName(entry.getName());
                if (!seen.add(name)) {
                    throw refused("'" + show(name) + "' appears twice");
                }
                Path target = root.resolve(name).normalize();
                requireInside(root, target, name);
                Path parent = target.getParent();
                if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
                    throw refused(
                            "'" + show(name) + "' is " + kind(entry) + "; a build context holds only folders, files and links");
                }
                if (entry.isDirectory()) {
                    createFolders(root, target, name);
                } else if (entry.isSymbolicLink()) {
                    createFolders(root, parent, name);
                    Files.createSymbolicLink(target, Path.of(linkTarget(root, target, entry.getLinkName(), name)));
                } else if (entry.isLink()) {
                    createFolders(root, parent, name);
                    Path original = root.resolve(relativeName(entry.getLinkName())).normalize();
                    requireInside(root, original, entry.getLinkName());
                    if (!Files.isRegularFile(original, LinkOption.NOFOLLOW_LINKS)) {
                        throw refused("hard link '" + show(name) + "' points at '" + show(entry.getLinkName())
                                + "', which is not a file unpacked before it");
                    }
                    Files.createLink(target, original);
                } else if (isRegularFile(entry)) {
                    createFolders(root, parent, name);
                    bytes = copy(tar, target, bytes, maxBytes);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(
                            (entry.getMode() & 0111) != 0 ? "rwxr-xr-x" : "rw-r--r--"));
                } else {
                    throw refused(
                            "'" + show(name) + "' is " + kind(entry) + "; a build context holds only folders, files and links");
                }
            }
        } catch (ZipException | IllegalArgumentException e) {
            throw refused("it is not a gzip-compressed tar (" + e.getMessage() + ")");
        }
        checkLinksStayInside(root);
        return new Unpacked(entries, bytes);
    }

    /** The entry's name as a relative path: no leading "/", no "..", no empty name. */
    private static String relativeName(String raw) throws BuildFailure {
        String name = raw;
        while (name.startsWith("./")) {
            name = name.substring(2);
        }
        if (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.isEmpty() || name.equals(".")) {
            throw refused("an entry has an empty name");
        }
        if (name.startsWith("/")) {
            throw refused("'" + show(raw) + "' is an absolute path");
        }
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw refused("'" + show(raw) + "' climbs out with '..'");
            }
        }
        if (name.indexOf('\0') >= 0) {
            throw refused("an entry's name holds a NUL byte");
        }
        return name;
    }

    /** A symbolic link's target, which must be relative and lead, from the link's folder, to a place inside. */
    private static String linkTarget(Path root, Path link, String target, String name) throws BuildFailure {
        if (target.isEmpty() || target.startsWith("/")) {
            throw refused("link '" + show(name) + "' points at '" + show(target)
                    + "', an absolute path; links must stay inside the context");
        }
        Path resolved = link.getParent().resolve(target).normalize();
        if (!resolved.startsWith(root)) {
            throw refused("link '" + show(name) + "' points at '" + show(target) + "', outside the context");
        }
        return target;
    }

    private static void requireInside(Path root, Path path, String name) throws BuildFailure {
        if (!path.startsWith(root) || path.equals(root)) {
            throw refused("'" + show(name) + "' leads outside the context");
        }
    }

    /**
     * Creates a folder and its parents, never through a link: every existing part of the path must
     * be a real folder inside the context.
     */
    private static void createFolders(Path root, Path folder, String name) throws BuildFailure, IOException {
        Path current = root;
        for (Path part : root.relativize(folder)) {
            current = current.resolve(part);
            if (Files.isSymbolicLink(current)) {
                throw refused("'" + show(name) + "' would be written through the link '"
                        + show(root.relativize(current).toString()) + "'");
            }
            if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(current);
            } else if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                throw refused("'" + show(name) + "' needs '" + show(root.relativize(current).toString()) + "' to be a folder");
            }
        }
    }

    private static long copy(InputStream in, Path target, long bytesSoFar, long maxBytes) throws BuildFailure, IOException {
        long bytes = bytesSoFar;
        byte[] buffer = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            for (int n; (n = in.read(buffer)) > 0;) {
                bytes += n;
                if (bytes > maxBytes) {
                    throw refused("it unpacks to more than " + maxBytes + " bytes (the limit)");
                }
                out.write(buffer, 0, n);
            }
        }
        return bytes;
    }

    /** After unpacking: every link that resolves at all resolves inside (a chain of links cannot climb out). */
    private static void checkLinksStayInside(Path root) throws BuildFailure, IOException {
        BuildFailure[] escaped = { null };
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isSymbolicLink() && Files.exists(file)) {
                    Path real = file.toRealPath();
                    if (!real.startsWith(root)) {
                        escaped[0] = refused("link '" + show(root.relativize(file).toString()) + "' leads outside the context");
                        return FileVisitResult.TERMINATE;
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        if (escaped[0] != null) {
            throw escaped[0];
        }
    }

    /** A regular file by its type flag alone (commons-compress calls anything that is not a folder a file). */
    private static boolean isRegularFile(TarArchiveEntry entry) {
        byte flag = entry.getLinkFlag();
        return flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_CONTIG;
    }

    private static String kind(TarArchiveEntry entry) {
        if (entry.isCharacterDevice()) {
            return "a character device";
        }
        if (entry.isBlockDevice()) {
            return "a block device";
        }
        if (entry.isFIFO()) {
            return "a FIFO";
        }
        return "an entry of type '" + (char) entry.getLinkFlag() + "'";
    }

    private static String show(String name) {
        String safe = SafeText.line(name);
        return safe.length() > 200 ? safe.substring(0, 200) + "..." : safe;
    }

    private static BuildFailure refused(String why) {
        return new BuildFailure(BuildErrorCode.CONTEXT_REFUSED, "the build context was refused: " + why);
    }
}
