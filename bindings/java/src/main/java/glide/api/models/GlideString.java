package glide.api.models;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Binary-safe bytes (keys, values, channels may hold any byte, NUL included). A batch built from
 * {@code GlideString} arguments returns its bulk strings as {@code GlideString}, as in Valkey
 * GLIDE's Java client. Immutable: the bytes are copied in and out.
 */
public final class GlideString implements Comparable<GlideString> {
    private final byte[] bytes;

    private GlideString(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The UTF-8 bytes of {@code string}. */
    public static GlideString of(String string) {
        return new GlideString(string.getBytes(StandardCharsets.UTF_8));
    }

    /** A copy of {@code bytes}. */
    public static GlideString of(byte[] bytes) {
        return new GlideString(bytes.clone());
    }

    /** Short for {@link #of(String)}. */
    public static GlideString gs(String string) {
        return of(string);
    }

    /** Short for {@link #of(byte[])}. */
    public static GlideString gs(byte[] bytes) {
        return of(bytes);
    }

    /** A copy of the bytes. */
    public byte[] getBytes() {
        return bytes.clone();
    }

    /** The bytes decoded as UTF-8 (invalid sequences become U+FFFD). */
    public String getString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Whether the bytes are valid UTF-8, so {@link #getString()} loses nothing. */
    public boolean canConvertToString() {
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** The string when the bytes are UTF-8, else their hex form. */
    @Override
    public String toString() {
        if (canConvertToString()) {
            return getString();
        }
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            sb.append(String.format("%02x", b & 0xff));
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GlideString && Arrays.equals(bytes, ((GlideString) o).bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(GlideString o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }
}
