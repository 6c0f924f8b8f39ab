package io.pitr.operator.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  void aCallerLaterThanHalfASlotLosesItWhichGoesBackToTheBudget() {
    budget.reserve("eu-west-1", "a");
    budget.reserve("eu-west-1", "b");
    budget.reserve("eu-west-1", "c");
    budget.reserve("eu-west-1", "d");
    advance(Duration.ofMillis(250 + 126));

    assertThat(budget.reserve("eu-west-1", "c"))
        .as("lost; its token back, the budget has one at once")
        .isEmpty();
    assertThat(budget.reserve("eu-west-1", "e"))
        .as("c's lost slot did not push e further out: at most one slot")
        .hasValueSatisfying(
            wait -> assertThat(wait).isPositive().isLessThanOrEqualTo(Duration.ofMillis(125)));
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

  private void advance(Duration by) {
    nanos.addAndGet(by.toNanos());
  }
}
