package io.pitr.operator.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.pitr.operator.aws.CallBudget.Lane;
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
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
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
  void lateCallersAndGivenBackTokensNeverPutMoreThanTheRateIntoASecond() {
    // Callers back at their slot plus 0 to 400 ms (a fixed, uneven pattern), some losing their
    // slot and giving its token back, others calling on theirs: calls bunch up without the window.
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
    assertThat(worstSecond(callTimes)).isLessThanOrEqualTo(8);
  }

  @Test
  void noSecondHoldsMoreCallsThanTheRate() {
    // 40 callers at once, each calling now or at its slot; count calls in every one-second window.
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
    assertThat(worstSecond(callTimes)).isLessThanOrEqualTo(8);
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
    late.lateness = Duration.ofMillis(300);
    for (int caller = 0; caller < 200; caller++) {
      late.arrive(0, "p" + caller, Lane.QUEUED);
    }
    late.run();

    assertThat(late.calls).hasSize(200);
    assertThat(late.end())
        .as("200 calls at 8 per second, 300 ms late")
        .isLessThanOrEqualTo(Duration.ofMillis(200 * 125 + 300 + 125));
    assertThat(worstSecond(late.callTimes())).isLessThanOrEqualTo(8);
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
    assertThat(worstSecond(rollout.callTimes())).isLessThanOrEqualTo(8);
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
    assertThat(worstSecond(both.callTimes())).isLessThanOrEqualTo(8);
    assertThat(both.calls.subList(0, 45))
        .as("after the queued calls the first half second allowed, the callers ahead went first")
        .filteredOn(call -> call.holder().startsWith("a"))
        .hasSize(40);
    assertThat(both.mostBackAtOnce)
        .as("callers refused by the window come back spread out, no more at once than it admits")
        .isLessThanOrEqualTo(8);
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
    abandoned.arrive(Duration.ofMillis(1_010).toNanos(), "gone", Lane.AHEAD);
    abandoned.abandon("gone");
    abandoned.run();

    assertThat(abandoned.calls).hasSize(24);
    assertThat(abandoned.end()).isLessThanOrEqualTo(Duration.ofMillis(26 * 125));
  }

  /** Callers that come back exactly when the budget tells them, on the test's clock. */
  private final class Simulation {
    record Arrival(long at, String holder, Lane lane, long seq) {}

    record Call(String holder, long at) {}

    private final PriorityQueue<Arrival> arrivals =
        new PriorityQueue<>(Comparator.comparingLong(Arrival::at).thenComparingLong(Arrival::seq));
    private final Map<String, Long> firstAsked = new HashMap<>();
    private final Set<String> abandoned = new HashSet<>();
    private final long start = nanos.get();
    private long seq;
    final List<Call> calls = new ArrayList<>();
    Duration lateness = Duration.ZERO;
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
          long at = nanos.get() + wait.get().toNanos() + lateness.toNanos();
          mostBackAtOnce = Math.max(mostBackAtOnce, backAt.merge(at, 1, Integer::sum));
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
