package io.pitr.operator.aws;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A budget of calls of one AWS operation, per region, handed out as future slots: a caller that
 * finds the budget spent reserves the next free slot and is told how long to wait for it, and when
 * it comes back at that time it calls on the slot it holds. Nobody polls for a permit, and however
 * many callers wait, the calls they make keep to the rate.
 *
 * <p>Slots are spaced evenly (a bucket of one token, refilled at the rate). A caller late for its
 * slot (its thread busy, a GC pause) still calls on it, however late: a slot given up would stay
 * empty while every caller behind it waits its own turn. Late callers bunch up, so every call must
 * also take a token of a second bucket, the burst: half a second's worth of calls (half the rate,
 * rounded up), refilled at the rate. AWS is assumed to throttle with a bucket of one second's worth
 * (README, "Limits"; the emulator's preset does the same), so the other half is left for jitter on
 * the way and for the account's other callers. Callers late by a few slots fit the burst and lose
 * nothing; after a longer pause they find it empty, and a caller it refuses is promised the burst's
 * next place, one slot after the last place promised, so that refused callers come back spread out
 * at the rate, never all at once, and none takes a second slot of the queue's. Built on Bucket4j,
 * whose {@code consumeIgnoringRateLimits} is exactly a reservation: it takes a token even when
 * there is none and answers how long until that token exists.
 *
 * <p>Two lanes share the rate. {@link Lane#QUEUED} callers (first applies, drift checks, deletions:
 * thousands at once when policies are created in bulk) take their slots in turn. {@link Lane#AHEAD}
 * callers (a spec change somebody waits for) have slots of their own, in turn among themselves, and
 * call at once, ahead of every queued caller: a queued caller whose turn has come leaves the
 * burst's last token to a caller ahead that is due, and a caller ahead that finds the burst empty
 * borrows the token it refills next (one at a time), which the queued callers then wait for. Each
 * call ahead takes the queued lane's next token too, so that the queued callers as a whole move one
 * slot later and together the lanes keep the rate.
 */
public final class CallBudget {

  /** The order in which callers get their calls. */
  public enum Lane {
    /** In turn, behind every caller that came earlier. */
    QUEUED,
    /** Ahead of every queued caller, in turn among callers ahead. */
    AHEAD
  }

  private final double perSecond;
  private final long slotNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Bucket> queued = new ConcurrentHashMap<>();
  private final Map<String, Bucket> ahead = new ConcurrentHashMap<>();
  private final Map<String, Hold> held = new ConcurrentHashMap<>();

  /** The keys of {@link #held} in the ahead lane: few, looked at on every queued call. */
  private final Set<String> heldAhead = ConcurrentHashMap.newKeySet();

  private final int burst;
  private final Map<String, Burst> bursts = new HashMap<>();

  /**
   * When a caller may come back: {@code slot} if it holds a token of its lane's bucket, else it
   * waits for the burst's room.
   */
  private record Hold(long at, Lane lane, boolean slot) {}

  /**
   * The burst bucket of one region, and the time of the last place promised to a refused caller.
   */
  private static final class Burst {
    final Bucket bucket;
    long promised = Long.MIN_VALUE / 2;

    Burst(Bucket bucket) {
      this.bucket = bucket;
    }
  }

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
    this.burst = (int) Math.ceil(perSecond / 2);
    this.nanoTime = nanoTime;
  }

  /** Calls per second per region. */
  public double perSecond() {
    return perSecond;
  }

  /** {@link #reserve(String, String, Lane)} in the queued lane. */
  public Optional<Duration> reserve(String region, String holder) {
    return reserve(region, holder, Lane.QUEUED);
  }

  /**
   * Takes the call's slot for {@code holder} (say, a policy's UID) in {@code region}: empty if the
   * call may be made now, else how long until the slot reserved for it. Asking again before the
   * slot answers the time left, without reserving another; asking ahead while holding a queued slot
   * gives that slot up for one ahead.
   */
  public Optional<Duration> reserve(String region, String holder, Lane lane) {
    String key = region + "\n" + holder;
    long now = nanoTime.getAsLong();
    Hold hold = held.get(key);
    if (hold != null && lane == Lane.AHEAD && hold.lane() == Lane.QUEUED) {
      unhold(key);
      giveBack(hold, region);
      hold = null;
    }
    if (hold != null) {
      if (now < hold.at()) {
        return Optional.of(Duration.ofNanos(hold.at() - now));
      }
      unhold(key);
      return admit(region, key, now, hold.lane());
    }
    long wait = bucket(lane, region).consumeIgnoringRateLimits(1);
    if (wait <= 0) {
      return admit(region, key, now, lane);
    }
    hold(key, new Hold(now + wait, lane, true));
    return Optional.of(Duration.ofNanos(wait));
  }

  private void giveBack(Hold hold, String region) {
    if (hold.slot()) {
      bucket(hold.lane(), region).addTokens(1);
    }
  }

  /**
   * Lets a caller whose turn it is call now if the burst has a token for it in {@code region} (and
   * a queued caller leaves the last one to a caller ahead that is due); else promises it the
   * burst's next place (see the type's description).
   */
  private Optional<Duration> admit(String region, String key, long now, Lane lane) {
    long at;
    synchronized (bursts) {
      Burst burst = bursts.computeIfAbsent(region, r -> new Burst(newBucket(this.burst)));
      boolean yields =
          lane == Lane.QUEUED && burst.bucket.getAvailableTokens() < 2 && aheadDue(region, now);
      boolean admitted;
      if (lane == Lane.AHEAD) {
        // A change takes the burst's last token, or borrows the next one it refills, which the
        // queue then waits for: one call ahead at a time (callers ahead take turns at the rate).
        admitted = burst.bucket.getAvailableTokens() >= 0;
        if (admitted) {
          burst.bucket.consumeIgnoringRateLimits(1);
        }
      } else {
        admitted = !yields && burst.bucket.tryConsume(1);
      }
      if (admitted) {
        if (lane == Lane.AHEAD) {
          // The queued callers move one slot on, so that together the lanes keep the rate.
          bucket(Lane.QUEUED, region).consumeIgnoringRateLimits(1);
        }
        return Optional.empty();
      }
      long room =
          Math.max(slotNanos, burst.bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill());
      at = now + room;
      if (lane == Lane.QUEUED) {
        at = Math.max(at, burst.promised + slotNanos);
        burst.promised = at;
      }
    }
    hold(key, new Hold(at, lane, false));
    return Optional.of(Duration.ofNanos(at - now));
  }

  /**
   * Whether a caller ahead in {@code region} is due back within half a slot (and not gone for more
   * than a slot, so that one that never comes back holds nobody up).
   */
  private boolean aheadDue(String region, long now) {
    String prefix = region + "\n";
    for (String key : heldAhead) {
      Hold hold = held.get(key);
      if (hold != null
          && hold.at() <= now + slotNanos / 2
          && now - hold.at() <= slotNanos
          && key.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private void hold(String key, Hold hold) {
    held.put(key, hold);
    if (hold.lane() == Lane.AHEAD) {
      heldAhead.add(key);
    } else {
      heldAhead.remove(key);
    }
  }

  private void unhold(String key) {
    held.remove(key);
    heldAhead.remove(key);
  }

  private Bucket bucket(Lane lane, String region) {
    return (lane == Lane.AHEAD ? ahead : queued).computeIfAbsent(region, r -> newBucket(1));
  }

  /** Forgets the slots {@code holder} holds (a policy that is gone); they stay spent. */
  public void release(String holder) {
    held.keySet().removeIf(key -> key.endsWith("\n" + holder));
    heldAhead.removeIf(key -> key.endsWith("\n" + holder));
  }

  /**
   * How many slots are reserved for callers still waiting for them, for all regions: slots whose
   * time has passed are not counted, whether or not their holder came back.
   */
  public int reserved() {
    long now = nanoTime.getAsLong();
    return (int) held.values().stream().filter(hold -> hold.at() > now).count();
  }

  /** A bucket of {@code capacity} tokens, full at first, refilled at the rate. */
  private Bucket newBucket(int capacity) {
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
                .capacity(capacity)
                .refillGreedy(1, Duration.ofNanos(slotNanos))
                .initialTokens(capacity)
                .build())
        .build();
  }
}
