package io.pitr.emulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The emulator's notion of now: a base clock (the system clock, or a fixed instant) plus an offset
 * that tests and the admin endpoint move forward, so that lifecycle windows and restorable times
 * can be driven without waiting.
 */
public final class EmulatorClock extends Clock {

  private final Clock base;
  private final AtomicReference<Duration> offset;

  private EmulatorClock(Clock base, AtomicReference<Duration> offset) {
    this.base = base;
    this.offset = offset;
  }

  /** Real time, which {@link #advance} can move ahead. */
  public static EmulatorClock system() {
    return new EmulatorClock(Clock.systemUTC(), new AtomicReference<>(Duration.ZERO));
  }

  /** Time stands still at {@code instant} until {@link #advance} moves it. */
  public static EmulatorClock fixedAt(Instant instant) {
    return new EmulatorClock(
        Clock.fixed(instant, ZoneOffset.UTC), new AtomicReference<>(Duration.ZERO));
  }

  /** Moves this clock forward (never back) by {@code duration}. */
  public void advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("the emulator's clock only moves forward");
    }
    offset.accumulateAndGet(duration, Duration::plus);
  }

  @Override
  public Instant instant() {
    return base.instant().plus(offset.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
