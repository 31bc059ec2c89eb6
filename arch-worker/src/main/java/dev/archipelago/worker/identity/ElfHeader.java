package dev.archipelago.worker.identity;

import dev.archipelago.model.Platform;

/** The fields of an ELF header that say which machine a file runs on. */
public record ElfHeader(boolean is64, boolean littleEndian, int machine) {

    /** Parses the first 20 bytes of a file; null when it is not ELF. */
    public static ElfHeader parse(byte[] header) {
        if (header.length < 20 || header[0] != 0x7f || header[1] != 'E' || header[2] != 'L' || header[3] != 'F') {
            return null;
        }
        boolean is64 = header[4] == 2;
        boolean little = header[5] == 1;
        int machine = little ? (header[18] & 0xff) | (header[19] & 0xff) << 8 : (header[19] & 0xff) | (header[18] & 0xff) << 8;
        return new ElfHeader(is64, little, machine);
    }

    public boolean matches(Platform platform) {
        return platform.elfMachine() == machine && platform.elf64() == is64 && platform.littleEndian() == littleEndian;
    }

    public String describe() {
        String name = switch (machine) {
            case 3 -> "x86";
            case 62 -> "x86-64";
            case 40 -> "ARM";
            case 183 -> "AArch64";
            case 21 -> littleEndian ? "PowerPC64 little-endian" : "PowerPC64 big-endian";
            case 22 -> "IBM S/390";
            case 243 -> "RISC-V";
            default -> "machine " + machine;
        };
        return name + (is64 ? " 64-bit" : " 32-bit");
    }
}
