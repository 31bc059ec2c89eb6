package dev.archipelago.assembler.supplychain;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The packages an image holds, read from the package databases in its final file system (the
 * layers applied in order, whiteouts honoured): Debian's dpkg status, Alpine's apk database,
 * Python distributions ({@code *.dist-info/METADATA}, {@code *.egg-info/PKG-INFO}). A database
 * that cannot be fully read gives what could be read and a warning; RPM databases are reported as
 * not read (reading them takes rpm or SQLite).
 */
public final class ImagePackages {

    /** One package: its ecosystem ({@code deb}, {@code apk}, {@code pypi}), name, version and architecture. */
    public record Package(String type, String name, String version, String arch) {
    }

    /** What was found, with a warning for every part that could not be read. */
    public record Result(String distroId, String distroVersion, List<Package> packages, List<String> warnings) {
    }

    static final String DPKG_STATUS = "var/lib/dpkg/status";
    static final String DPKG_STATUS_D = "var/lib/dpkg/status.d/";
    static final String APK_INSTALLED = "lib/apk/db/installed";
    static final List<String> OS_RELEASE = List.of("etc/os-release", "usr/lib/os-release");
    static final List<String> RPM_DATABASES = List.of("var/lib/rpm/rpmdb.sqlite", "var/lib/rpm/Packages",
            "usr/lib/sysimage/rpm/rpmdb.sqlite");
    private static final Pattern PYTHON_METADATA = Pattern.compile(
            ".*/(site|dist)-packages/[^/]+\\.(dist-info/METADATA|egg-info/PKG-INFO|egg-info)$");

    private ImagePackages() {
    }

    /** Whether a path (relative, no leading slash) is one of the files this reads. */
    static boolean wanted(String path) {
        return path.equals(DPKG_STATUS) || (path.startsWith(DPKG_STATUS_D) && path.length() > DPKG_STATUS_D.length()
                && path.indexOf('/', DPKG_STATUS_D.length()) < 0)
                || path.equals(APK_INSTALLED) || OS_RELEASE.contains(path) || RPM_DATABASES.contains(path)
                || PYTHON_METADATA.matcher(path).matches();
    }

    /** Reads the packages from the wanted files of the final file system, by path. */
    static Result read(Map<String, byte[]> files) {
        List<Package> packages = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, String> osRelease = osRelease(files, warnings);
        if (files.containsKey(DPKG_STATUS)) {
            packages.addAll(dpkg(DPKG_STATUS, text(files.get(DPKG_STATUS)), warnings));
        }
        files.keySet().stream().filter(p -> p.startsWith(DPKG_STATUS_D)).sorted()
                .forEach(p -> packages.addAll(dpkg(p, text(files.get(p)), warnings)));
        if (files.containsKey(APK_INSTALLED)) {
            packages.addAll(apk(text(files.get(APK_INSTALLED)), warnings));
        }
        files.keySet().stream().filter(p -> PYTHON_METADATA.matcher(p).matches()).sorted()
                .forEach(p -> python(p, text(files.get(p)), warnings).ifPresent(packages::add));
        RPM_DATABASES.stream().filter(files::containsKey).forEach(p -> warnings.add("/" + p
                + ": an RPM database; its packages are not listed (reading it takes rpm or SQLite)"));
        List<Package> unique = new ArrayList<>(packages.stream().distinct().toList());
        unique.sort(Comparator.comparing(Package::type).thenComparing(Package::name).thenComparing(Package::version));
        return new Result(osRelease.get("ID"), osRelease.get("VERSION_ID"), List.copyOf(unique), List.copyOf(warnings));
    }

    /** The installed packages of a dpkg status file: paragraphs whose Status is "install ok installed". */
    static List<Package> dpkg(String path, String text, List<String> warnings) {
        List<Package> packages = new ArrayList<>();
        int skipped = 0;
        for (Map<String, String> paragraph : paragraphs(text)) {
            String name = paragraph.get("Package");
            String version = paragraph.get("Version");
            String status = paragraph.getOrDefault("Status", path.equals(DPKG_STATUS) ? "" : "install ok installed");
            if (name == null || version == null || name.isBlank() || version.isBlank()) {
                skipped++;
                continue;
            }
            if (status.endsWith(" installed")) {
                packages.add(
                        new Package("deb", name.strip(), version.strip(), paragraph.getOrDefault("Architecture", "").strip()));
            }
        }
        if (skipped > 0) {
            warnings.add("/" + path + ": " + skipped + " entr" + (skipped == 1 ? "y" : "ies")
                    + " without a Package or Version field could not be read and " + (skipped == 1 ? "is" : "are")
                    + " not listed");
        }
        return packages;
    }

    /** Alpine's installed database: records of {@code X:value} lines, P the name, V the version, A the arch. */
    static List<Package> apk(String text, List<String> warnings) {
        List<Package> packages = new ArrayList<>();
        int skipped = 0;
        for (String record : text.split("\n\\s*\n")) {
            Map<String, String> fields = new LinkedHashMap<>();
            record.lines().filter(l -> l.length() > 2 && l.charAt(1) == ':')
                    .forEach(l -> fields.putIfAbsent(l.substring(0, 1), l.substring(2)));
            if (fields.isEmpty()) {
                continue;
            }
            if (!fields.containsKey("P") || !fields.containsKey("V")) {
                skipped++;
                continue;
            }
            packages.add(new Package("apk", fields.get("P"), fields.get("V"), fields.getOrDefault("A", "")));
        }
        if (skipped > 0) {
            warnings.add("/" + APK_INSTALLED + ": " + skipped
                    + " record(s) without a P or V line could not be read and are not listed");
        }
        return packages;
    }

    static Optional<Package> python(String path, String text, List<String> warnings) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line : text.lines().toList()) {
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon > 0 && !Character.isWhitespace(line.charAt(0))) {
                headers.putIfAbsent(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        if (headers.get("Name") == null || headers.get("Version") == null) {
            warnings.add("/" + path + ": no Name or Version header; not listed");
            return Optional.empty();
        }
        return Optional.of(new Package("pypi", headers.get("Name"), headers.get("Version"), ""));
    }

    private static Map<String, String> osRelease(Map<String, byte[]> files, List<String> warnings) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String path : OS_RELEASE) {
            byte[] bytes = files.get(path);
            if (bytes == null || bytes.length == 0) {
                continue;
            }
            for (String line : text(bytes).lines().toList()) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.startsWith("#")) {
                    values.putIfAbsent(line.substring(0, eq).strip(), line.substring(eq + 1).strip().replaceAll("^\"|\"$", ""));
                }
            }
            break;
        }
        return values;
    }

    /** RFC 822-style paragraphs as dpkg writes them; continuation lines are folded into their field. */
    private static List<Map<String, String>> paragraphs(String text) {
        List<Map<String, String>> paragraphs = new ArrayList<>();
        Map<String, String> current = new LinkedHashMap<>();
        String last = null;
        for (String line : text.split("\n", -1)) {
            if (line.isBlank()) {
                if (!current.isEmpty()) {
                    paragraphs.add(current);
                    current = new LinkedHashMap<>();
                }
                last = null;
            } else if (Character.isWhitespace(line.charAt(0))) {
                if (last != null) {
                    current.merge(last, "\n" + line, String::concat);
                }
            } else {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    last = line.substring(0, colon);
                    current.putIfAbsent(last, line.substring(colon + 1).strip());
                } else {
                    last = null;
                    current.putIfAbsent("", line);
                }
            }
        }
        if (!current.isEmpty()) {
            paragraphs.add(current);
        }
        return paragraphs;
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8).replace("\r\n", "\n");
    }
}
