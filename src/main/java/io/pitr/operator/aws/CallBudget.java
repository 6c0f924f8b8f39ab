package io.pitr.operator.aws;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.ArrayDeque;
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
 * many callers wait, the calls they make never exceed the rate.
 *
 * <p>Slots are spaced evenly (a bucket of one token, refilled at the rate). A caller late for its
 * slot (its thread busy, a GC pause) still calls on it, however late: a slot given up would stay
 * empty while every caller behind it waits its own turn, and a queue of thousands whose callers all
 * run a little late would lose a large share of the rate. Late callers could bunch calls up, so
 * every call must also fit a window: no more than the rate (rounded up) in any one second; a caller
 * the window refuses keeps its turn and is told to come back when the window has room. Built on
 * Bucket4j, whose {@code consumeIgnoringRateLimits} is exactly a reservation: it takes a token even
 * when there is none and answers how long until that token exists.
 *
 * <p>Two lanes share the rate. {@link Lane#QUEUED} callers (first applies, drift checks, deletions:
 * thousands at once when policies are created in bulk) take their slots in turn. {@link Lane#AHEAD}
 * callers (a spec change somebody waits for) have slots of their own, in turn among themselves, and
 * call as soon as the window has room, ahead of every queued caller: a change does not wait behind
 * a rollout. Each call ahead takes the queued lane's next token too, so that the queued callers as
 * a whole move one slot later and the rate still holds: the queued caller whose slot the window
 * then refuses comes back when it has room, one slot on, and so may its successor; a queued caller
 * refused twice in a row (calls ahead keep coming) takes a new slot at the end of the queue, so
 * that refused callers never all come back at once.
 */
public final class CallBudget {

  /** The order in which callers get their calls. */
  public enum Lane {
    /** In turn, behind every caller that came earlier. */
    QUEUED,
    /** Ahead of every queued caller, in turn among callers ahead. */
    AHEAD
  }

  private static final long WINDOW_NANOS = 1_000_000_000L;

  private final double perSecond;
  private final long slotNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Bucket> queued = new ConcurrentHashMap<>();
  private final Map<String, Bucket> ahead = new ConcurrentHashMap<>();
  private final Map<String, Hold> held = new ConcurrentHashMap<>();

  /** The keys of {@link #held} in the ahead lane: few, looked at on every queued call. */
  private final Set<String> heldAhead = ConcurrentHashMap.newKeySet();

  private final int perWindow;
  private final Map<String, ArrayDeque<Long>> recentCalls = new HashMap<>();

  /**
   * When a caller may come back: {@code slot} if it holds a token of its lane's bucket (and loses
   * it if too late), else it waits for the window's room, {@code refused} once already.
   */
  private record Hold(long at, Lane lane, boolean slot, boolean refused) {}

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
      return admit(region, key, now, hold.lane(), hold.refused());
    }
    long wait = bucket(lane, region).consumeIgnoringRateLimits(1);
    if (wait <= 0) {
      return admit(region, key, now, lane, false);
    }
    hold(key, new Hold(now + wait, lane, true, false));
    return Optional.of(Duration.ofNanos(wait));
  }

  private void giveBack(Hold hold, String region) {
    if (hold.slot()) {
      bucket(hold.lane(), region).addTokens(1);
    }
  }

  /**
   * Lets a caller whose turn it is call now if the last second holds fewer than {@link #perWindow}
   * calls in {@code region}, counting this one, and no caller ahead is about to take the room; else
   * tells it when to come back (see the type's description).
   */
  private Optional<Duration> admit(
      String region, String key, long now, Lane lane, boolean refusedBefore) {
    long room;
    synchronized (recentCalls) {
      ArrayDeque<Long> calls = recentCalls.computeIfAbsent(region, r -> new ArrayDeque<>());
      while (!calls.isEmpty() && calls.peekFirst() <= now - WINDOW_NANOS) {
        calls.pollFirst();
      }
      boolean yields = lane == Lane.QUEUED && aheadDue(region, now);
      if (calls.size() < perWindow && !yields) {
        calls.addLast(now);
        if (lane == Lane.AHEAD) {
          // The queued callers move one slot on, so that together the lanes keep the rate.
          bucket(Lane.QUEUED, region).consumeIgnoringRateLimits(1);
        }
        return Optional.empty();
      }
      room = calls.size() < perWindow ? slotNanos : calls.peekFirst() + WINDOW_NANOS - now;
    }
    if (lane == Lane.QUEUED && refusedBefore) {
      long wait = bucket(Lane.QUEUED, region).consumeIgnoringRateLimits(1);
      hold(key, new Hold(now + Math.max(wait, room), lane, true, false));
      return Optional.of(Duration.ofNanos(Math.max(wait, room)));
    }
    hold(key, new Hold(now + room, lane, false, true));
    return Optional.of(Duration.ofNanos(room));
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
    return (lane == Lane.AHEAD ? ahead : queued).computeIfAbsent(region, r -> newBucket());
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
