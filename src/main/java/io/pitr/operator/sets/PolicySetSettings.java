package io.pitr.operator.sets;

import java.time.Duration;
import java.util.Optional;

/**
 * How policy sets work, as plain values.
 *
 * @param defaultRegion region of sets without spec.region
 * @param writesPerSecond how many generated policies all sets together create, change or delete per
 *     second (a template change to thousands of tables rolls out at this rate)
 * @param resync how often a set is looked at when nothing wakes it, as a backstop
 */
public record PolicySetSettings(
    Optional<String> defaultRegion, double writesPerSecond, Duration resync) {}
