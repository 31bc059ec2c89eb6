package dev.archipelago.stack;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * Reads an image layer (a tar, gzip-compressed or not) as a person with {@code tar tvf} and
 * {@code file} would, independently of the worker's own check: which ELF machines its regular
 * files are built for.
 */
final class ImageLayers {

    private ImageLayers() {
    }

    /** ELF files per e_machine value (62 x86-64, 21 PowerPC64, 22 s390, 183 AArch64) in one layer. */
    static Map<Integer, Integer> elfMachines(InputStream layer) throws IOException {
        InputStream in = layer.markSupported() ? layer : new java.io.BufferedInputStream(layer);
        in.mark(2);
        int first = in.read();
        int second = in.read();
        in.reset();
        DataInputStream tar = new DataInputStream(first == 0x1f && second == 0x8b ? new GZIPInputStream(in, 1 << 16) : in);
        Map<Integer, Integer> machines = new TreeMap<>();
        byte[] header = new byte[512];
        while (true) {
            try {
                tar.readFully(header);
            } catch (EOFException end) {
                return machines;
            }
            if (header[0] == 0) {
                return machines;   // the two zero blocks that end an archive
            }
            long size = Long.parseLong(field(header, 124, 12).isEmpty() ? "0" : field(header, 124, 12), 8);
            char type = (char) header[156];
            long padded = (size + 511) / 512 * 512;
            long read = 0;
            if ((type == '0' || type == '\0') && size >= 20) {
                byte[] head = new byte[20];
                tar.readFully(head);
                read = head.length;
                if (head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F') {
                    boolean little = head[5] == 1;
                    int machine = little ? (head[18] & 0xff) | (head[19] & 0xff) << 8 : (head[18] & 0xff) << 8 | (head[19] & 0xff);
                    machines.merge(machine, 1, Integer::sum);
                }
            }
            tar.skipNBytes(padded - read);
        }
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0 && header[end] != ' ') {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII).strip();
    }
}
