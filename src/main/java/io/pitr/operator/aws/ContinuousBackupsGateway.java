package io.pitr.operator.aws;

import io.pitr.operator.pitr.AwsAccess;
import io.pitr.operator.pitr.DesiredPitr;
import io.pitr.operator.pitr.ObservedPitr;
import io.pitr.operator.pitr.TableRef;
import java.time.Duration;
import java.util.Optional;

/** The operator's one door to DynamoDB's continuous backups. Speaks the project's types only. */
public interface ContinuousBackupsGateway {

  /**
   * DescribeContinuousBackups: one call, reaching the table's account through {@code access} on
   * behalf of {@code holder} (a policy's UID; an assumed role's session is kept per holder).
   *
   * @throws TooManyCallsInFlight when no call was made: too many calls to the account's region wait
   *     for their answer
   */
  ObservedPitr describe(TableRef table, AwsAccess access, String holder) throws AwsCallFailed;

  /**
   * UpdateContinuousBackups with the desired state: one call; its answer is the observation.
   *
   * @throws TooManyCallsInFlight when no call was made: too many calls to the account's region wait
   *     for their answer
   */
  ObservedPitr update(TableRef table, DesiredPitr desired, AwsAccess access, String holder)
      throws AwsCallFailed;

  /**
   * The account of the operator's own AWS identity, when known (configured, or learned from STS
   * GetCallerIdentity in the background): answers at once, never waits for STS.
   */
  Optional<String> ownAccount(String region);

  /** The operations, each with a budget of its own per account and region. */
  enum Operation {
    DescribeContinuousBackups,
    UpdateContinuousBackups
  }

  /**
   * Takes a slot of the operation's budget in the table's account and region for {@code holder} (a
   * policy's UID): empty if the call may be made now, else how long until the slot reserved for it.
   * No call is made.
   */
  default Optional<Duration> reserve(Operation operation, TableRef table, String holder) {
    return reserve(operation, table, holder, CallBudget.Lane.QUEUED);
  }

  /**
   * {@link #reserve(Operation, TableRef, String)} in a lane of the budget: {@link
   * CallBudget.Lane#AHEAD} for a call somebody waits for (a spec change), which goes before every
   * queued one.
   */
  Optional<Duration> reserve(
      Operation operation, TableRef table, String holder, CallBudget.Lane lane);

  /** Forgets the slots a holder (a policy that is gone) reserved, and its role session. */
  void release(String holder);
}
