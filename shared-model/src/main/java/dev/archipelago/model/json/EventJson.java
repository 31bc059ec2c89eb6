package dev.archipelago.model.json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The JSON form of the contracts: strict on input (unknown fields, missing required fields,
 * wrong types and numbers for strings all fail, naming the field), stable on output
 * (ISO-8601 instants, sorted map keys, no nulls) so the same event always gives the same bytes.
 */
public final class EventJson {

    private static final ObjectMapper MAPPER = configure(JsonMapper.builder()).build();

    private EventJson() {
    }

    /** Applies the contract's settings to a builder, so that a service's own mapper can share them. */
    public static JsonMapper.Builder configure(JsonMapper.Builder builder) {
        return builder
                .addModule(new JavaTimeModule())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .withCoercionConfig(LogicalType.Textual, text -> text
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .serializationInclusion(JsonInclude.Include.NON_NULL);
    }

    /** The shared, thread-safe mapper. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static byte[] encode(Object event) {
        try {
            return MAPPER.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + event.getClass().getSimpleName() + ": " + e.getOriginalMessage(),
                    e);
        }
    }

    public static String encodeToString(Object event) {
        try {
            return MAPPER.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + event.getClass().getSimpleName() + ": " + e.getOriginalMessage(),
                    e);
        }
    }

    /**
     * Decodes one event.
     *
     * @throws EventDecodingException whose message names the field at fault and what is wrong with it
     */
    public static <T> T decode(byte[] json, Class<T> type) {
        if (json == null || json.length == 0) {
            throw new EventDecodingException("empty record: expected a " + type.getSimpleName() + " JSON object");
        }
        String text = strictUtf8(json, type);
        T value;
        try {
            value = MAPPER.readValue(text, type);
        } catch (IOException e) {
            throw new EventDecodingException(describe(e, type), e);
        }
        if (value == null) {
            throw new EventDecodingException("the JSON is null; expected a " + type.getSimpleName() + " JSON object");
        }
        return value;
    }

    /**
     * JSON between services and in the API is UTF-8 without a byte order mark (RFC 8259 section 8.1):
     * anything else is refused here rather than guessed, so every reader sees the same text.
     */
    private static String strictUtf8(byte[] json, Class<?> type) {
        if (json.length >= 3 && (json[0] & 0xFF) == 0xEF && (json[1] & 0xFF) == 0xBB && (json[2] & 0xFF) == 0xBF) {
            throw new EventDecodingException("malformed JSON: it starts with a byte order mark; send a " + type.getSimpleName()
                    + " as UTF-8 without one");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json)).toString();
        } catch (CharacterCodingException e) {
            throw new EventDecodingException(
                    "malformed JSON: the bytes are not valid UTF-8; send a " + type.getSimpleName() + " encoded as UTF-8");
        }
    }

    public static <T> T decode(String json, Class<T> type) {
        return decode(json == null ? null : json.getBytes(StandardCharsets.UTF_8), type);
    }

    /** A one-line explanation of a Jackson failure: which field, and what is wrong. */
    public static String describe(IOException e, Class<?> type) {
        String target = type.getSimpleName();
        if (e instanceof JsonMappingException mapping) {
            String path = mapping.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            String problem;
            if (mapping instanceof UnrecognizedPropertyException unknown) {
                return target + ": unknown field '" + (path.isEmpty() ? unknown.getPropertyName() : path) + "'";
            } else if (mapping instanceof ValueInstantiationException && mapping.getCause() != null) {
                problem = mapping.getCause().getMessage();
            } else {
                problem = firstLine(mapping.getOriginalMessage());
            }
            return path.isEmpty() ? target + ": " + problem : target + ": field '" + path + "': " + problem;
        }
        if (e instanceof JsonProcessingException processing) {
            return target + ": malformed JSON: " + firstLine(processing.getOriginalMessage());
        }
        return target + ": " + e.getMessage();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid value";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
