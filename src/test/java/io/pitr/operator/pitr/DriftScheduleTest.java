package io.pitr.operator.pitr;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Drift checks: spread by UID within the jitter band, stretched when the rate cannot fit. */
class DriftScheduleTest {

  private static final Instant SYNC = Instant.parse("2026-11-25T10:00:00Z");
  private final DriftSchedule schedule = new DriftSchedule(Duration.ofMinutes(10), 0.1, 8);

  @Test
  void checksFallWithinTheJitterBandAndSpreadOut() {
    var offsets =
        IntStream.range(0, 1000)
            .mapToObj(i -> UUID.randomUUID().toString())
            .map(uid -> Duration.between(SYNC, schedule.nextCheck(SYNC, uid, 10)).toSeconds())
            .toList();

    assertThat(offsets).allSatisfy(s -> assertThat(s).isBetween(540L, 660L));
    assertThat(offsets.stream().distinct().count()).as("spread, not bunched").isGreaterThan(100);
  }

  @Test
  void firstChecksAfterARestartSpreadOverOneInterval() {
    var offsets =
        IntStream.range(0, 1000)
            .mapToObj(i -> UUID.randomUUID().toString())
            .map(uid -> Duration.between(SYNC, schedule.firstCheck(SYNC, uid, 10)).toSeconds())
            .toList();

    assertThat(offsets).allSatisfy(s -> assertThat(s).isBetween(0L, 600L));
    assertThat(offsets).filteredOn(s -> s < 300).hasSizeBetween(400, 600);
  }

  @Test
  void theSameUidGetsTheSameOffsetAcrossRestarts() {
    String uid = UUID.randomUUID().toString();

    assertThat(schedule.nextCheck(SYNC, uid, 10)).isEqualTo(schedule.nextCheck(SYNC, uid, 10));
  }

  @Test
  void intervalStretchesWhenPoliciesDoNotFitTheRate() {
    assertThat(schedule.effectiveInterval(4_800)).isEqualTo(Duration.ofMinutes(10));
    assertThat(schedule.effectiveInterval(9_600)).isEqualTo(Duration.ofMinutes(20));
  }
}
