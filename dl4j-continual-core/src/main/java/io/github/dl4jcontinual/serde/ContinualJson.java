package io.github.dl4jcontinual.serde;

import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.PropertyAccessor;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.DeserializationFeature;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The shared, thread-safe JSON mapper of dl4j-continual (shaded Jackson, as DL4J's configurations use).
 * Objects are mapped by their fields; NaN doubles are written as the JSON strings {@code "NaN"}.
 */
public final class ContinualJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
            .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ContinualJson() {
    }

    /** @return the configured mapper (do not reconfigure it) */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * @param value any project value object
     * @return its JSON
     */
    public static String toJson(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write " + value.getClass().getName() + " as JSON", e);
        }
    }

    /**
     * @param json JSON text
     * @param type the target class
     * @param <T>  the type
     * @return the parsed object
     * @throws IllegalArgumentException if the JSON does not describe a {@code type}
     */
    public static <T> T fromJson(String json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException e) {
            if (e instanceof JsonProcessingException) {
                throw new IllegalArgumentException("Invalid JSON for " + type.getSimpleName() + ": "
                        + e.getMessage(), e);
            }
            throw new UncheckedIOException(e);
        }
    }
}
