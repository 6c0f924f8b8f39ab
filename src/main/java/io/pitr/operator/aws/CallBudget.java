package io.pitr.operator.aws;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A budget of calls of one AWS operation, per region, handed out as future slots: a caller that
 * finds the budget spent reserves the next free slot and is told how long to wait for it, and when
 * it comes back at that time it calls on the slot it holds. Nobody polls for a permit, and however
 * many callers wait, the calls they make never exceed the rate.
 *
 * <p>Slots are spaced evenly (a bucket of one token, refilled at the rate). A caller may be late
 * for its slot by half a slot's width and still call on it. A caller later than that (its thread
 * busy, a GC pause) has lost its slot: the slot's token goes back to the budget, so that lost slots
 * do not push later ones further out and a budget whose callers all run late still makes its calls
 * at the rate (whoever comes back when a token is there calls at once), and the caller reserves
 * again. Late callers and given-back tokens could bunch calls up, so every call must also fit a
 * window: no more than the rate (rounded up) in any one second; a caller the window refuses keeps
 * its turn and is told to come back when the window has room. Built on Bucket4j, whose {@code
 * consumeIgnoringRateLimits} is exactly a reservation: it takes a token even when there is none and
 * answers how long until that token exists.
 */
public final class CallBudget {

  private static final long WINDOW_NANOS = 1_000_000_000L;

  private final double perSecond;
  private final long slotNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Bucket> byRegion = new ConcurrentHashMap<>();
  private final Map<String, Long> held = new ConcurrentHashMap<>();
  private final int perWindow;
  private final Map<String, ArrayDeque<Long>> recentCalls = new HashMap<>();

  /**
   * @param perSecond calls per second per region
   * @param nanoTime the time source (System::nanoTime; a fake one in tests)
   */
  public CallBudget(double perSecond, LongSupplier nanoTime) {
    if (!(perSecond > 0)) {
      throw new IllegalArgumentException("a call budget must be positive, was " + perSecond);
    }
    this.perSecond = perSecond;
    this.slotNanos = Math.round(1e9 / perSecond);
    this.perWindow = (int) Math.ceil(perSecond);
    this.nanoTime = nanoTime;
  }

  /** Calls per second per region. */
  public double perSecond() {
    return perSecond;
  }

  /**
   * Takes the call's slot for {@code holder} (say, a policy's UID) in {@code region}: empty if the
   * call may be made now, else how long until the slot reserved for it. Asking again before the
   * slot answers the time left, without reserving another.
   */
  public Optional<Duration> reserve(String region, String holder) {
    String key = region + "\n" + holder;
    long now = nanoTime.getAsLong();
    Long slot = held.get(key);
    if (slot != null) {
      if (now < slot) {
        return Optional.of(Duration.ofNanos(slot - now));
      }
      held.remove(key);
      if (now - slot <= slotNanos / 2) {
        return admit(region, key, now);
      }
      // Lost: its token goes back, so that lost slots do not push every later one further out.
      bucket(region).addTokens(1);
    }
    long wait = bucket(region).consumeIgnoringRateLimits(1);
    if (wait <= 0) {
      return admit(region, key, now);
    }
    held.put(key, now + wait);
    return Optional.of(Duration.ofNanos(wait));
  }

  /**
   * Lets a caller with a token call now if the last second holds fewer than {@link #perWindow}
   * calls in {@code region}, counting this one; else holds its turn until the oldest of them is a
   * second old.
   */
  private Optional<Duration> admit(String region, String key, long now) {
    long room;
    synchronized (recentCalls) {
      ArrayDeque<Long> calls = recentCalls.computeIfAbsent(region, r -> new ArrayDeque<>());
      while (!calls.isEmpty() && calls.peekFirst() <= now - WINDOW_NANOS) {
        calls.pollFirst();
      }
      if (calls.size() < perWindow) {
        calls.addLast(now);
        return Optional.empty();
      }
      room = calls.peekFirst() + WINDOW_NANOS - now;
    }
    held.put(key, now + room);
    return Optional.of(Duration.ofNanos(room));
  }

  private Bucket bucket(String region) {
    return byRegion.computeIfAbsent(region, r -> newBucket());
  }

  /** Forgets the slots {@code holder} holds (a policy that is gone); they stay spent. */
  public void release(String holder) {
    held.keySet().removeIf(key -> key.endsWith("\n" + holder));
  }

  /**
   * How many slots are reserved for callers still waiting for them, for all regions: slots whose
   * time has passed are not counted, whether or not their holder came back.
   */
  public int reserved() {
    long now = nanoTime.getAsLong();
    return (int) held.values().stream().filter(slot -> slot > now).count();
  }

  private Bucket newBucket() {
    TimeMeter time =
        new TimeMeter() {
          @Override
          public long currentTimeNanos() {
            return nanoTime.getAsLong();
          }

          @Override
          public boolean isWallClockBased() {
            return false;
          }
        };
    return Bucket.builder()
        .withCustomTimePrecision(time)
        .addLimit(
            Bandwidth.builder()
                .capacity(1)
                .refillGreedy(1, Duration.ofNanos(slotNanos))
                .initialTokens(1)
                .build())
        .build();
  }
}
