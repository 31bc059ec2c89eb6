package dev.archipelago.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A container platform under its OCI name ({@code linux/amd64}, {@code linux/arm/v7}).
 *
 * <p>
 * Parses OCI names and the aliases people type ({@code x86}, {@code x86_64},
 * {@code aarch64}, {@code ppc64el}); renders the OCI form for APIs and a tag-safe form
 * ({@code ppc64le}, {@code arm-v7}) for image tags and topic names. Also knows the facts
 * that tie a platform to real hardware: the ELF machine number of its executables, the
 * name {@code uname -m} prints, and the QEMU binfmt handler that emulates it.
 */
public record Platform(String os, String architecture, String variant) implements Comparable<Platform> {

    /** The only operating system Archipelago builds for. */
    public static final String LINUX = "linux";

    public static final Platform LINUX_AMD64 = new Platform(LINUX, "amd64", null);
    public static final Platform LINUX_ARM64 = new Platform(LINUX, "arm64", null);
    public static final Platform LINUX_ARM_V7 = new Platform(LINUX, "arm", "v7");
    public static final Platform LINUX_PPC64LE = new Platform(LINUX, "ppc64le", null);
    public static final Platform LINUX_S390X = new Platform(LINUX, "s390x", null);

    /** What each supported platform is on real hardware. */
    private record Hardware(Platform platform, int elfMachine, boolean elf64, boolean littleEndian,
            String unameMachine, String qemuName) {
    }

    private static final List<Hardware> SUPPORTED = List.of(
            new Hardware(LINUX_AMD64, 62, true, true, "x86_64", "x86_64"),
            new Hardware(LINUX_ARM64, 183, true, true, "aarch64", "aarch64"),
            new Hardware(LINUX_ARM_V7, 40, false, true, "armv7l", "arm"),
            new Hardware(LINUX_PPC64LE, 21, true, true, "ppc64le", "ppc64le"),
            new Hardware(LINUX_S390X, 22, true, false, "s390x", "s390x"));

    /** Input spellings, lower case, mapped to the OCI platform they mean. */
    private static final Map<String, Platform> ALIASES;

    static {
        Map<String, Platform> aliases = new LinkedHashMap<>();
        for (Hardware hw : SUPPORTED) {
            aliases.put(hw.platform.ociName(), hw.platform);
            aliases.put(hw.platform.architecture + (hw.platform.variant == null ? "" : "/" + hw.platform.variant), hw.platform);
        }
        aliases.put("x86", LINUX_AMD64);
        aliases.put("x86_64", LINUX_AMD64);
        aliases.put("x86-64", LINUX_AMD64);
        aliases.put("aarch64", LINUX_ARM64);
        aliases.put("arm64/v8", LINUX_ARM64);
        aliases.put("linux/arm64/v8", LINUX_ARM64);
        aliases.put("ppc64el", LINUX_PPC64LE);
        aliases.put("armv7", LINUX_ARM_V7);
        aliases.put("armv7l", LINUX_ARM_V7);
        aliases.put("armhf", LINUX_ARM_V7);
        aliases.put("arm-v7", LINUX_ARM_V7);
        ALIASES = Collections.unmodifiableMap(aliases);
    }

    public Platform {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
        if (variant != null && variant.isEmpty()) {
            variant = null;
        }
    }

    /**
     * Parses an OCI platform name or an alias; case and surrounding blanks do not matter.
     *
     * @throws IllegalArgumentException naming the input and every accepted spelling
     */
    @JsonCreator
    public static Platform parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("platform is empty; accepted: " + acceptedSpellings());
        }
        String key = text.strip().toLowerCase(Locale.ROOT);
        if (key.startsWith("linux/") && ALIASES.containsKey(key.substring("linux/".length()))) {
            return ALIASES.get(key.substring("linux/".length()));
        }
        Platform platform = ALIASES.get(key);
        if (platform == null) {
            throw new IllegalArgumentException("unknown platform '" + text.strip() + "'; accepted: " + acceptedSpellings());
        }
        return platform;
    }

    /** Maps a JVM {@code os.arch} value (which is what the JVM was built for) to a platform. */
    public static Platform fromJvmArch(String osArch) {
        String arch = osArch == null ? "" : osArch.strip().toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> LINUX_AMD64;
            case "aarch64", "arm64" -> LINUX_ARM64;
            case "ppc64le" -> LINUX_PPC64LE;
            case "s390x" -> LINUX_S390X;
            case "arm" -> LINUX_ARM_V7;
            default -> throw new IllegalArgumentException("the JVM reports os.arch '" + osArch
                    + "', which Archipelago cannot build for; supported: " + supportedNames());
        };
    }

    /** Maps what {@code uname -m} prints to a platform. */
    public static Platform fromUnameMachine(String machine) {
        String m = machine == null ? "" : machine.strip();
        return SUPPORTED.stream().filter(hw -> hw.unameMachine.equals(m)).findFirst()
                .map(Hardware::platform)
                .orElseThrow(() -> new IllegalArgumentException("uname -m says '" + machine
                        + "', which Archipelago cannot build for; supported: " + supportedNames()));
    }

    /** The platforms Archipelago knows how to build, in OCI names. */
    public static List<Platform> supported() {
        return SUPPORTED.stream().map(Hardware::platform).toList();
    }

    /** The OCI name, for example {@code linux/arm/v7}. */
    @JsonValue
    public String ociName() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }

    /** A form that is valid in image tags and topic names: {@code ppc64le}, {@code arm-v7}. */
    public String tagSafeName() {
        return architecture + (variant == null ? "" : "-" + variant);
    }

    /** The ELF {@code e_machine} of this platform's executables. */
    public int elfMachine() {
        return hardware().elfMachine;
    }

    /** Whether this platform's executables are 64-bit ELF ({@code ELFCLASS64}). */
    public boolean elf64() {
        return hardware().elf64;
    }

    /** Whether this platform's executables are little-endian ELF ({@code ELFDATA2LSB}). */
    public boolean littleEndian() {
        return hardware().littleEndian;
    }

    /** What {@code uname -m} prints on this platform. */
    public String unameMachine() {
        return hardware().unameMachine;
    }

    /** The QEMU binfmt_misc handler name for this platform, as in {@code qemu-ppc64le}. */
    public String qemuBinfmtName() {
        return "qemu-" + hardware().qemuName;
    }

    private Hardware hardware() {
        return SUPPORTED.stream().filter(hw -> hw.platform.equals(this)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no hardware facts for " + ociName()));
    }

    @Override
    public int compareTo(Platform other) {
        return ociName().compareTo(other.ociName());
    }

    @Override
    public String toString() {
        return ociName();
    }

    private static String supportedNames() {
        return String.join(", ", supported().stream().map(Platform::ociName).toList());
    }

    private static String acceptedSpellings() {
        List<String> spellings = new ArrayList<>(ALIASES.keySet());
        return String.join(", ", spellings);
    }
}
