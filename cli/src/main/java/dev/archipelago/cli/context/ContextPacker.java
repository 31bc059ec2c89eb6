package dev.archipelago.cli.context;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import dev.archipelago.model.BuildContexts;
import dev.archipelago.model.Digests;

/**
 * Packs a directory, as it is on disk, into a reproducible build context: a gzip-compressed tar
 * whose entries are sorted by name, with times, owners and modes fixed (mtime 0, uid and gid 0,
 * 0755 for folders and executables, 0644 for other files), so that the same directory always gives
 * the same bytes and digest. What the {@code .containerignore} or {@code .dockerignore} leaves out
 * never leaves the machine; the Dockerfile is always in. Links stay links and must stay inside;
 * devices, FIFOs and sockets are refused, as are contexts over {@link BuildContexts}' limits.
 */
public final class ContextPacker {

    /** The packed context: the archive file, its digest and size, and what it holds. */
    public record Packed(Path archive, String digest, long size, int entries, long bytes, String ignoreFile) {
    }

    /** A directory that cannot be packed; the message says what to change. */
    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message);
        }
    }

    private final long maxBytes;
    private final int maxEntries;

    public ContextPacker(long maxBytes, int maxEntries) {
        this.maxBytes = maxBytes;
        this.maxEntries = maxEntries;
    }

    /** The limits the workers apply. */
    public static ContextPacker withWorkerLimits() {
        return new ContextPacker(BuildContexts.MAX_BYTES, BuildContexts.MAX_ENTRIES);
    }

    /**
     * Packs {@code directory} into {@code archive}.
     *
     * @param dockerfile the Dockerfile's path inside the directory ('/'-separated), always packed
     */
    public Packed pack(Path directory, String dockerfile, Path archive) throws Refused, IOException {
        Path root = directory.toRealPath();
        IgnoreRules ignore = IgnoreRules.of(root);
        List<Entry> entries = collect(root, ignore, dockerfile);
        MessageDigest sha = Digests.newSha256();
        long bytes = 0;
        try (OutputStream file = Files.newOutputStream(archive);
                DigestOutputStream digesting = new DigestOutputStream(file, sha);
                GZIPOutputStream gzip = new GZIPOutputStream(digesting, 64 * 1024);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            for (Entry entry : entries) {
                TarArchiveEntry header = entry.header();
                tar.putArchiveEntry(header);
                if (entry.kind() == Kind.FILE) {
                    try (InputStream in = Files.newInputStream(entry.path(), LinkOption.NOFOLLOW_LINKS)) {
                        long copied = in.transferTo(tar);
                        if (copied != header.getSize()) {
                            throw new Refused("'" + entry.name() + "' changed while it was packed; pack again");
                        }
                    }
                    bytes += header.getSize();
                }
                tar.closeArchiveEntry();
            }
        }
        return new Packed(archive, Digests.of(sha), Files.size(archive), entries.size(), bytes, ignore.source());
    }

    private enum Kind {
        FOLDER,
        FILE,
        LINK
    }

    private record Entry(String name, Path path, Kind kind, long size, boolean executable, String linkTarget) {
        TarArchiveEntry header() {
            TarArchiveEntry header = switch (kind) {
                case FOLDER -> new TarArchiveEntry(name + "/", TarConstants.LF_DIR, true);
                case LINK -> {
                    TarArchiveEntry link = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
                    link.setLinkName(linkTarget);
                    yield link;
                }
                case FILE -> {
                    TarArchiveEntry file = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
                    file.setSize(size);
                    yield file;
                }
            };
            header.setMode(kind == Kind.FOLDER || executable ? 0755 : kind == Kind.LINK ? 0777 : 0644);
            header.setModTime(0);
            header.setUserId(0);
            header.setGroupId(0);
            header.setUserName("");
            header.setGroupName("");
            return header;
        }
    }

    private List<Entry> collect(Path root, IgnoreRules ignore, String dockerfile) throws Refused, IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.filter(p -> !p.equals(root)).sorted(Comparator.comparing(p -> name(root, p))).toList();
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof AccessDeniedException denied) {
                throw new Refused(
                        "cannot read '" + denied.getFile() + "' in the directory: make it readable, or leave it out in "
                                + ".dockerignore");
            }
            throw e.getCause();
        }
        List<Entry> entries = new ArrayList<>();
        long bytes = 0;
        String prunedFolder = null;
        for (Path path : paths) {
            String name = name(root, path);
            if (prunedFolder != null && name.startsWith(prunedFolder + "/")) {
                continue;
            }
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!name.equals(dockerfile) && ignore.excludes(name)) {
                if (attributes.isDirectory() && !ignore.hasExceptions()) {
                    prunedFolder = name;
                }
                continue;
            }
            Entry entry;
            if (attributes.isDirectory()) {
                entry = new Entry(name, path, Kind.FOLDER, 0, true, null);
            } else if (attributes.isSymbolicLink()) {
                entry = new Entry(name, path, Kind.LINK, 0, false, linkTarget(root, path, name));
            } else if (attributes.isRegularFile()) {
                if (!Files.isReadable(path)) {
                    throw new Refused("cannot read '" + name + "': make it readable, or leave it out in .dockerignore");
                }
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
                entry = new Entry(name, path, Kind.FILE, attributes.size(),
                        permissions.contains(PosixFilePermission.OWNER_EXECUTE), null);
                bytes += attributes.size();
            } else {
                throw new Refused(
                        "'" + name + "' is a device, a FIFO or a socket, which a build context cannot hold: leave it out "
                                + "in .dockerignore");
            }
            entries.add(entry);
            if (entries.size() > maxEntries) {
                throw new Refused(
                        "the directory holds more than " + maxEntries + " files and folders (the limit): leave out what "
                                + "the build does not need in .dockerignore");
            }
            if (bytes > maxBytes) {
                throw new Refused("the directory holds more than " + maxBytes + " bytes (the limit is " + human(maxBytes)
                        + "): leave out what the build does not need in .dockerignore");
            }
        }
        return entries;
    }

    /** A link's target, which must stay inside the directory (the workers refuse any other). */
    private static String linkTarget(Path root, Path link, String name) throws Refused, IOException {
        Path target = Files.readSymbolicLink(link);
        Path resolved = link.getParent().resolve(target).normalize();
        if (target.isAbsolute() || !resolved.startsWith(root)) {
            throw new Refused("the link '" + name + "' points at '" + target + "', outside the directory: the workers refuse "
                    + "links that leave the context; copy what it points at into the directory, or leave it out in .dockerignore");
        }
        return target.toString();
    }

    private static String name(Path root, Path path) {
        return root.relativize(path).toString().replace('\\', '/');
    }

    static String human(long bytes) {
        if (bytes >= 1024L * 1024 * 1024) {
            return String.format("%.1f GiB", bytes / (1024.0 * 1024 * 1024));
        }
        if (bytes >= 1024L * 1024) {
            return String.format("%.1f MiB", bytes / (1024.0 * 1024));
        }
        return bytes >= 1024 ? String.format("%.1f KiB", bytes / 1024.0) : bytes + " B";
    }
}
