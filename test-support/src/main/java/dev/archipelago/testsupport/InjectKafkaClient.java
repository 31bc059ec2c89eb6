package dev.archipelago.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link KafkaTestClient} field of a test that {@link KafkaBrokerResource} fills with a
 * client of the test JVM's broker; the resource closes it when the application stops.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface InjectKafkaClient {
}
