package io.pitr.operator.pitr;

import static org.assertj.core.api.Assertions.assertThat;

import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.pitr.PitrPlan.Apply;
import io.pitr.operator.pitr.PitrPlan.InSync;
import io.pitr.operator.pitr.PitrPlan.Wait;
import io.pitr.operator.testing.Fixtures;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every decision of the planner, over normalised desired and observed states. */
class PitrPlanTest {

  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

  @Test
  void nothingObservedYetAppliesTheSpec() {
    assertThat(PitrPlan.plan(DesiredPitr.enabled(14), null))
        .isEqualTo(new Apply(DesiredPitr.enabled(14)));
  }

  @ParameterizedTest(name = "desired {0}/{1}, observed {2}/{3}: in sync {4}")
  @CsvSource({
    "true,  14, ENABLED,  14, true",
    "true,  35, ENABLED,    , true",
    "true,  14, ENABLED,  35, false",
    "true,  14, DISABLED,   , false",
    "false,   , DISABLED,   , true",
    "false,   , ENABLED,   7, false",
  })
  void comparesNormalisedStates(
      boolean enabled,
      Integer period,
      String observedStatus,
      Integer observedPeriod,
      boolean same) {
    DesiredPitr desired = enabled ? DesiredPitr.enabled(period) : DesiredPitr.disabled();
    ObservedPitr observed = observed(true, observedStatus, observedPeriod);

    PitrPlan.Decision decision = PitrPlan.plan(desired, observed);

    assertThat(decision).isEqualTo(same ? new InSync(observed) : new Apply(desired));
  }

  @Test
  void unknownStatusWaitsInsteadOfFlapping() {
    ObservedPitr enabling = observed(true, "ENABLING", null);

    assertThat(PitrPlan.plan(DesiredPitr.enabled(7), enabling))
        .isInstanceOfSatisfying(
            Wait.class,
            wait -> assertThat(wait.reason()).isEqualTo(ConditionReason.PitrStatusChanging));
  }

  @Test
  void backupsNotYetAvailableWaits() {
    ObservedPitr fresh = observed(false, "DISABLED", null);

    assertThat(PitrPlan.plan(DesiredPitr.enabled(7), fresh))
        .isInstanceOfSatisfying(
            Wait.class,
            wait -> assertThat(wait.reason()).isEqualTo(ConditionReason.BackupsNotYetAvailable));
    assertThat(PitrPlan.plan(DesiredPitr.disabled(), fresh))
        .as("already as desired: no need to wait")
        .isInstanceOf(InSync.class);
  }

  @Test
  void normalisesTheSpec() {
    var spec =
        Fixtures.load("policies/enabled-14-days.yaml", ContinuousBackupsPolicy.class)
            .getSpec()
            .getPointInTimeRecoverySpecification();
    assertThat(DesiredPitr.of(spec)).isEqualTo(DesiredPitr.enabled(14));

    spec.setRecoveryPeriodInDays(null);
    assertThat(DesiredPitr.of(spec)).isEqualTo(DesiredPitr.enabled(35));

    spec.setPointInTimeRecoveryEnabled(false);
    assertThat(DesiredPitr.of(spec)).isEqualTo(DesiredPitr.disabled());
  }

  @Test
  void invalidSpecsAreCaughtWithAReason() {
    var valid = Fixtures.load("policies/enabled-14-days.yaml", ContinuousBackupsPolicy.class);
    assertThat(PitrPlan.invalidity(valid.getSpec(), Optional.of("us-east-1"))).isEmpty();
    assertThat(PitrPlan.invalidity(valid.getSpec(), Optional.empty()))
        .hasValueSatisfying(reason -> assertThat(reason).contains("No region"));

    valid.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(36);
    assertThat(PitrPlan.invalidity(valid.getSpec(), Optional.of("us-east-1")))
        .hasValue("recoveryPeriodInDays must be 1 to 35, not 36.");

    valid.getSpec().getPointInTimeRecoverySpecification().setRecoveryPeriodInDays(7);
    valid.getSpec().getPointInTimeRecoverySpecification().setPointInTimeRecoveryEnabled(false);
    assertThat(PitrPlan.invalidity(valid.getSpec(), Optional.of("us-east-1")))
        .hasValueSatisfying(reason -> assertThat(reason).contains("must not be set"));

    // What the CRD refuses is refused again, so that an ARN never reaches DynamoDB as a name.
    var arn = Fixtures.load("policies/enabled-14-days.yaml", ContinuousBackupsPolicy.class);
    arn.getSpec().setTableName("arn:aws:dynamodb:eu-west-1:222222222222:table/orders");
    assertThat(PitrPlan.invalidity(arn.getSpec(), Optional.of("us-east-1")))
        .hasValue("spec.tableName must be 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'.");
  }

  static ObservedPitr observed(boolean backups, String status, Integer period) {
    boolean enabled = "ENABLED".equals(status);
    return new ObservedPitr(
        "arn:aws:dynamodb:us-east-1:000000000000:table/orders",
        backups,
        ObservedPitr.PitrStatus.of(status),
        status,
        period,
        enabled ? NOW.minusSeconds(3600) : null,
        enabled ? NOW.minusSeconds(300) : null);
  }

  @ParameterizedTest(name = "{0} days of restore points, {1} -> {2}: loses {3}")
  @CsvSource({
    // restore points reaching back N days (-1: PITR off), observed period, desired (0: off), loses
    "40, 35, 0, true",
    "0, 35, 0, true",
    "-1, , 0, false",
    "-1, , 7, false",
    "40, 35, 7, true",
    "6, 35, 7, false",
    "7, 35, 7, true",
    "40, 7, 35, false",
    "3, 14, 14, false",
  })
  void restorePointsAreLostByTurningOffOrByAPeriodShorterThanTheyReachBack(
      int daysBack, Integer observedPeriod, int desiredPeriod, boolean loses) {
    ObservedPitr observed =
        daysBack < 0
            ? new ObservedPitr(
                null, true, ObservedPitr.PitrStatus.DISABLED, "DISABLED", null, null, null)
            : new ObservedPitr(
                null,
                true,
                ObservedPitr.PitrStatus.ENABLED,
                "ENABLED",
                observedPeriod,
                // A minute more than the whole days, as DynamoDB's rolling window does.
                NOW.minus(java.time.Duration.ofDays(daysBack)).minusSeconds(60),
                NOW.minusSeconds(300));
    DesiredPitr desired =
        desiredPeriod == 0 ? DesiredPitr.disabled() : DesiredPitr.enabled(desiredPeriod);

    assertThat(PitrPlan.losesRestorePoints(observed, desired, NOW)).isEqualTo(loses);
    assertThat(PitrPlan.couldLoseRestorePoints(desired))
        .as("what a table in an unknown state could lose")
        .isEqualTo(desiredPeriod < 35);
  }
}
