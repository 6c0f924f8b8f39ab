package io.pitr.operator.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.pitr.operator.aws.CallBudget.Lane;
import io.pitr.operator.testing.CallRates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/** Reservations of a call budget, on a clock the test moves. */
class CallBudgetTest {

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final CallBudget budget = new CallBudget(8, nanos::get);

  @Test
  void waitingCallersGetEvenlySpacedSlotsInsteadOfPolling() {
    List<Duration> waits = new ArrayList<>();
    for (int caller = 0; caller < 5; caller++) {
      waits.add(budget.reserve("eu-west-1", "policy-" + caller).orElse(Duration.ZERO));
    }

    assertThat(waits)
        .containsExactly(
            Duration.ZERO,
            Duration.ofMillis(125),
            Duration.ofMillis(250),
            Duration.ofMillis(375),
            Duration.ofMillis(500));
    assertThat(budget.reserved()).isEqualTo(4);
  }

  @Test
  void slotsWhoseTimeHasPassedAreNoLongerReservedEvenIfNobodyCameForThem() {
    for (int caller = 0; caller < 5; caller++) {
      budget.reserve("eu-west-1", "policy-" + caller);
    }
    advance(Duration.ofMillis(300));
    assertThat(budget.reserved()).as("the slots at 375 and 500 ms").isEqualTo(2);

    advance(Duration.ofSeconds(1));

    assertThat(budget.reserved()).isZero();
  }

  @Test
  void askingAgainBeforeTheSlotReservesNothingMore() {
    budget.reserve("eu-west-1", "a");
    Optional<Duration> first = budget.reserve("eu-west-1", "b");
    advance(Duration.ofMillis(50));
    Optional<Duration> again = budget.reserve("eu-west-1", "b");

    assertThat(first).contains(Duration.ofMillis(125));
    assertThat(again).contains(Duration.ofMillis(75));
    assertThat(budget.reserve("eu-west-1", "c"))
        .as("the slot after b's is still free")
        .contains(Duration.ofMillis(200));
  }

  @Test
  void aCallerBackAtItsSlotCallsWithoutTakingAnother() {
    budget.reserve("eu-west-1", "a");
    budget.reserve("eu-west-1", "b");
    advance(Duration.ofMillis(125));

    assertThat(budget.reserve("eu-west-1", "b")).isEmpty();
    assertThat(budget.reserved()).isZero();
    assertThat(budget.reserve("eu-west-1", "c"))
        .as("b's slot was its own: the next is one slot on")
        .contains(Duration.ofMillis(125));
  }

  @Test
  void aCallerLateByLessThanHalfASlotStillCallsOnIt() {
    budget.reserve("eu-west-1", "a");
    budget.reserve("eu-west-1", "b");
    advance(Duration.ofMillis(125 + 62));

    assertThat(budget.reserve("eu-west-1", "b")).isEmpty();
  }

  @Test
  void aCallerLateForItsSlotStillCallsOnItAndLaterSlotsStayWhereTheyWere() {
    budget.reserve("eu-west-1", "a");
    budget.reserve("eu-west-1", "b");
    budget.reserve("eu-west-1", "c");
    budget.reserve("eu-west-1", "d");
    advance(Duration.ofMillis(250 + 126));

    assertThat(budget.reserve("eu-west-1", "c")).as("late by more than half a slot").isEmpty();
    assertThat(budget.reserve("eu-west-1", "e"))
        .as("the next free slot is still the one after d's, at 500 ms")
        .contains(Duration.ofMillis(124));
  }

  @Test
  void callersThatAreAlwaysLateStillGetTheirCallsMade() {
    // Every caller comes back 300 ms after its slot (threads busy): calls keep flowing.
    Map<String, Long> slots = new LinkedHashMap<>();
    long start = nanos.get();
    int calls = 0;
    for (int round = 0; round < 20; round++) {
      for (int caller = 0; caller < 8; caller++) {
        String holder = "p" + caller;
        Long slot = slots.remove(holder);
        if (slot != null) {
          nanos.set(Math.max(nanos.get(), slot + Duration.ofMillis(300).toNanos()));
        }
        Optional<Duration> wait = budget.reserve("eu-west-1", holder);
        if (wait.isEmpty()) {
          calls++;
        } else {
          slots.put(holder, nanos.get() + wait.get().toNanos());
        }
      }
    }
    double seconds = (nanos.get() - start) / 1e9;
    assertThat(calls / seconds)
        .as(
            "%d calls in %.1f s: the budget still goes to calls, at more than half its rate",
            calls, seconds)
        .isGreaterThan(4.0)
        .isLessThanOrEqualTo(8.0 + 2 / seconds);
  }

  @Test
  void lateCallersNeverBurstBeyondHalfASecondsWorth() {
    // Callers back at their slot plus 0 to 400 ms (a fixed, uneven pattern): calls bunch up.
    long[] lateness = {0, 40, 400, 90, 260, 10, 330, 120, 0, 70, 380, 200};
    List<Long> callTimes = new ArrayList<>();
    Map<String, Long> slots = new LinkedHashMap<>();
    for (int round = 0; round < 40; round++) {
      for (int caller = 0; caller < 12; caller++) {
        String holder = "p" + caller;
        Long slot = slots.remove(holder);
        if (slot != null) {
          long late = Duration.ofMillis(lateness[(caller + round) % lateness.length]).toNanos();
          nanos.set(Math.max(nanos.get(), slot + late));
        }
        Optional<Duration> wait = budget.reserve("eu-west-1", holder);
        if (wait.isEmpty()) {
          callTimes.add(nanos.get());
        } else {
          slots.put(holder, nanos.get() + wait.get().toNanos());
        }
      }
    }
    assertThat(callTimes.size()).as("calls were made").isGreaterThan(100);
    assertThat(mostAboveTheRate(callTimes)).isLessThanOrEqualTo(BURST);
  }

  @Test
  void callersOnTheirSlotsKeepToTheRate() {
    // 40 callers at once, each calling now or at its slot.
    List<Long> callTimes = new ArrayList<>();
    Map<String, Long> slots = new LinkedHashMap<>();
    for (int caller = 0; caller < 40; caller++) {
      Optional<Duration> wait = budget.reserve("eu-west-1", "p" + caller);
      if (wait.isEmpty()) {
        callTimes.add(nanos.get());
      } else {
        slots.put("p" + caller, nanos.get() + wait.get().toNanos());
      }
    }
    slots.forEach(
        (holder, slot) -> {
          nanos.set(Math.max(nanos.get(), slot));
          assertThat(budget.reserve("eu-west-1", holder)).isEmpty();
          callTimes.add(nanos.get());
        });
    assertThat(callTimes).hasSize(40);
    assertThat(mostAboveTheRate(callTimes))
        .as("one call at once, then one a slot: never more than one above the rate")
        .isLessThanOrEqualTo(1.0);
    assertThat(worstSecond(callTimes)).isLessThanOrEqualTo(8);
  }

  /** The budget's burst: half a second's worth of calls at 8 per second. */
  private static final double BURST = 4;

  /** How far the calls ever got ahead of the budget's 8 per second (see {@link CallRates}). */
  private static double mostAboveTheRate(List<Long> callTimes) {
    return CallRates.mostAboveTheRate(callTimes, 8);
  }

  /** The most calls in any one-second window starting at a call. */
  private static int worstSecond(List<Long> callTimes) {
    int worst = 0;
    for (long start : callTimes) {
      int inWindow =
          (int) callTimes.stream().filter(t -> t >= start && t < start + 1_000_000_000L).count();
      worst = Math.max(worst, inWindow);
    }
    return worst;
  }

  @Test
  void regionsHaveBudgetsOfTheirOwnAndReleasedHoldersAreForgotten() {
    budget.reserve("eu-west-1", "a");
    budget.reserve("eu-west-1", "b");

    assertThat(budget.reserve("us-east-1", "b")).isEmpty();
    budget.release("b");
    assertThat(budget.reserved()).isZero();
  }

  @Test
  void aDeepQueueOfLateCallersStillMakesItsCallsAtTheRate() {
    // 200 callers queued at once, each back 300 ms after its slot (reconciliation threads busy):
    // a slot whose caller is late is used late, not left empty.
    Simulation late = new Simulation();
    late.delay = at -> Duration.ofMillis(300).toNanos();
    for (int caller = 0; caller < 200; caller++) {
      late.arrive(0, "p" + caller, Lane.QUEUED);
    }
    late.run();

    assertThat(late.calls).hasSize(200);
    assertThat(late.end())
        .as("200 calls at 8 per second, 300 ms late")
        .isLessThanOrEqualTo(Duration.ofMillis(200 * 125 + 300 + 125));
    assertThat(mostAboveTheRate(late.callTimes())).isLessThanOrEqualTo(BURST);
  }

  @Test
  void callersBackWithUnevenDelaysLoseNoSlots() {
    // 1,000 callers queued at once, each back 0 to 300 ms (more than two slots) after the time it
    // was given: a budget that counts the late calls against the next ones loses slots to it.
    Simulation uneven = new Simulation();
    Random random = new Random(15);
    uneven.delay = at -> (long) (random.nextDouble() * Duration.ofMillis(300).toNanos());
    for (int caller = 0; caller < 1000; caller++) {
      uneven.arrive(0, "p" + caller, Lane.QUEUED);
    }
    uneven.run();

    assertThat(uneven.calls).hasSize(1000);
    assertThat(uneven.end())
        .as("1,000 calls at 8 per second, the last up to 300 ms late")
        .isLessThanOrEqualTo(Duration.ofMillis(1000 * 125 + 300));
    assertThat(mostAboveTheRate(uneven.callTimes())).isLessThanOrEqualTo(BURST);
    assertThat(uneven.asked).as("each caller asked twice, almost").isLessThan(1000 * 2 + 50);
  }

  @Test
  void aChangeDoesNotWaitBehindARolloutOfLateCallers() {
    // Every caller, the change included, comes back 0 to 1 s after the time it was given, so that
    // the burst is often empty when the change comes (refused, it would come back late again).
    for (int seed = 0; seed < 20; seed++) {
      Simulation busy = new Simulation();
      Random random = new Random(seed);
      busy.delay = at -> (long) (random.nextDouble() * Duration.ofSeconds(1).toNanos());
      for (int caller = 0; caller < 200; caller++) {
        busy.arrive(0, "p" + caller, Lane.QUEUED);
      }
      busy.arrive(Duration.ofMillis(10_030).toNanos(), "change", Lane.AHEAD);
      busy.run();

      assertThat(busy.latency("change"))
          .as("seed %d: within a slot and the change's own lateness", seed)
          .isLessThanOrEqualTo(Duration.ofMillis(125 + 1000));
      assertThat(mostAboveTheRate(busy.callTimes()))
          .as("the burst, and the one call ahead that borrowed from it")
          .isLessThanOrEqualTo(BURST + 1);
    }
  }

  @Test
  void afterAPauseTheCallsResumeAtTheRateNotAllAtOnce() {
    // 80 callers queued; a 3-second pause (say, a stop-the-world GC) from the 10th slot on: every
    // caller due in it comes back when it ends, at the same instant.
    Simulation paused = new Simulation();
    long pauseFrom = Duration.ofMillis(10 * 125).toNanos() + paused.start;
    long pauseTo = pauseFrom + Duration.ofSeconds(3).toNanos();
    paused.delay = at -> at >= pauseFrom && at < pauseTo ? pauseTo - at : 0;
    for (int caller = 0; caller < 80; caller++) {
      paused.arrive(0, "p" + caller, Lane.QUEUED);
    }
    paused.run();

    assertThat(paused.calls).hasSize(80);
    assertThat(paused.calls.stream().filter(call -> call.at() == pauseTo))
        .as("when the pause ends, half a second's worth of calls at once, no more")
        .hasSize((int) BURST);
    assertThat(mostAboveTheRate(paused.callTimes())).isLessThanOrEqualTo(BURST);
    assertThat(paused.mostBackAtOnce)
        .as("the callers the burst refused were told to come back at different times")
        .isLessThanOrEqualTo(2);
    assertThat(paused.end())
        .as("the pause's 3 s lost, no more")
        .isLessThanOrEqualTo(Duration.ofMillis(80 * 125 + 3000 + 125));
  }

  @Test
  void aCallerAheadCallsWithinASlotWhileARolloutWaitsAndTheRolloutStillKeepsTheRate() {
    Simulation rollout = new Simulation();
    for (int caller = 0; caller < 80; caller++) {
      rollout.arrive(0, "p" + caller, Lane.QUEUED);
    }
    rollout.arrive(Duration.ofMillis(4_030).toNanos(), "change", Lane.AHEAD);
    rollout.run();

    assertThat(rollout.calls).hasSize(81);
    assertThat(rollout.latency("change"))
        .as("the change waited for the window's room, not behind the 48 callers still queued")
        .isLessThanOrEqualTo(Duration.ofMillis(125));
    assertThat(mostAboveTheRate(rollout.callTimes())).isLessThanOrEqualTo(BURST);
    assertThat(rollout.end())
        .as("81 calls at 8 per second: the rollout lost no slot to the change")
        .isLessThanOrEqualTo(Duration.ofMillis(81 * 125 + 125));
    assertThat(rollout.asked)
        .as("each queued caller after the change came back at most twice more")
        .isLessThanOrEqualTo(81 + 80 + 2 * 48);
  }

  @Test
  void callersAheadTakeTurnsAmongThemselvesAndQueuedCallersNeverStampede() {
    // A template change: 40 callers ahead at once, while 40 queued ones wait.
    Simulation both = new Simulation();
    for (int caller = 0; caller < 40; caller++) {
      both.arrive(0, "q" + caller, Lane.QUEUED);
    }
    for (int caller = 0; caller < 40; caller++) {
      both.arrive(Duration.ofMillis(500).toNanos(), "a" + caller, Lane.AHEAD);
    }
    both.run();

    assertThat(both.calls).hasSize(80);
    assertThat(mostAboveTheRate(both.callTimes())).isLessThanOrEqualTo(BURST);
    assertThat(both.latency("a39"))
        .as("the callers ahead called one a slot, from the first")
        .isLessThanOrEqualTo(Duration.ofMillis(39 * 125));
    long firstAhead =
        both.calls.indexOf(
            both.calls.stream().filter(c -> c.holder().equals("a0")).findFirst().orElseThrow());
    assertThat(both.calls.subList((int) firstAhead, (int) firstAhead + 40))
        .as("queued callers called among them only while the burst had tokens to spare")
        .filteredOn(call -> call.holder().startsWith("q"))
        .hasSizeLessThanOrEqualTo((int) BURST);
    assertThat(both.mostBackAtOnce)
        .as("callers told to come back at one time: a slot of each lane and a promised place")
        .isLessThanOrEqualTo(3);
    assertThat(both.asked).as("no caller asked more than a few times").isLessThan(80 * 4);
  }

  @Test
  void aQueuedCallerThatTurnsAheadGivesItsSlotUp() {
    for (int caller = 0; caller < 20; caller++) {
      budget.reserve("eu-west-1", "p" + caller);
    }
    assertThat(budget.reserve("eu-west-1", "p19")).contains(Duration.ofMillis(19 * 125));

    assertThat(budget.reserve("eu-west-1", "p19", Lane.AHEAD))
        .as("the window has room for one more this second")
        .isEmpty();
    assertThat(budget.reserve("eu-west-1", "late"))
        .as("p19's slot went back; the call ahead took the queue's next token")
        .contains(Duration.ofMillis(20 * 125));
  }

  @Test
  void aCallerAheadThatNeverComesBackHoldsNobodyUp() {
    Simulation abandoned = new Simulation();
    for (int caller = 0; caller < 24; caller++) {
      abandoned.arrive(0, "p" + caller, Lane.QUEUED);
    }
    // Three changes at once: the first calls, the burst runs low, and the third never comes back
    // for the slot it was given.
    for (String holder : List.of("a1", "a2", "gone")) {
      abandoned.arrive(Duration.ofMillis(1_010).toNanos(), holder, Lane.AHEAD);
    }
    abandoned.abandon("gone");
    abandoned.run();

    assertThat(abandoned.calls).hasSize(26);
    assertThat(abandoned.end()).isLessThanOrEqualTo(Duration.ofMillis(27 * 125));
  }

  /** Callers that come back exactly when the budget tells them, on the test's clock. */
  private final class Simulation {
    record Arrival(long at, String holder, Lane lane, long seq) {}

    record Call(String holder, long at) {}

    private final PriorityQueue<Arrival> arrivals =
        new PriorityQueue<>(Comparator.comparingLong(Arrival::at).thenComparingLong(Arrival::seq));
    private final Map<String, Long> firstAsked = new HashMap<>();
    private final Set<String> abandoned = new HashSet<>();
    final long start = nanos.get();
    private long seq;
    final List<Call> calls = new ArrayList<>();

    /** How late a caller told to come back at a time (on the test's clock) comes back. */
    LongUnaryOperator delay = at -> 0;

    int asked;
    int mostBackAtOnce;

    void arrive(long offsetNanos, String holder, Lane lane) {
      arrivals.add(new Arrival(start + offsetNanos, holder, lane, seq++));
    }

    void abandon(String holder) {
      abandoned.add(holder);
    }

    void run() {
      Map<Long, Integer> backAt = new HashMap<>();
      while (!arrivals.isEmpty()) {
        Arrival next = arrivals.poll();
        nanos.set(Math.max(nanos.get(), next.at()));
        firstAsked.putIfAbsent(next.holder(), nanos.get());
        asked++;
        Optional<Duration> wait = budget.reserve("eu-west-1", next.holder(), next.lane());
        if (wait.isEmpty()) {
          calls.add(new Call(next.holder(), nanos.get()));
        } else if (!abandoned.contains(next.holder())) {
          long due = nanos.get() + wait.get().toNanos();
          long at = due + delay.applyAsLong(due);
          mostBackAtOnce = Math.max(mostBackAtOnce, backAt.merge(due, 1, Integer::sum));
          arrivals.add(new Arrival(at, next.holder(), next.lane(), seq++));
        }
      }
    }

    List<Long> callTimes() {
      return calls.stream().map(Call::at).toList();
    }

    Duration latency(String holder) {
      long called =
          calls.stream().filter(c -> c.holder().equals(holder)).findFirst().orElseThrow().at();
      return Duration.ofNanos(called - firstAsked.get(holder));
    }

    Duration end() {
      return Duration.ofNanos(calls.get(calls.size() - 1).at() - start);
    }
  }

  private void advance(Duration by) {
    nanos.addAndGet(by.toNanos());
  }
}
