package io.pitr.operator.aws;

import io.pitr.operator.pitr.DesiredPitr;
import io.pitr.operator.pitr.ObservedPitr;
import io.pitr.operator.pitr.TableRef;
import java.time.Duration;
import java.util.Optional;

/** The operator's one door to DynamoDB's continuous backups. Speaks the project's types only. */
public interface ContinuousBackupsGateway {

  /**
   * DescribeContinuousBackups: one call.
   *
   * @throws TooManyCallsInFlight when no call was made, the region having too many unanswered
   */
  ObservedPitr describe(TableRef table) throws AwsCallFailed;

  /**
   * UpdateContinuousBackups with the desired state: one call; its answer is the observation.
   *
   * @throws TooManyCallsInFlight when no call was made, the region having too many unanswered
   */
  ObservedPitr update(TableRef table, DesiredPitr desired) throws AwsCallFailed;

  /** The operations, each with a budget of its own per region. */
  enum Operation {
    DescribeContinuousBackups,
    UpdateContinuousBackups
  }

  /**
   * Takes a slot of the operation's budget in the table's region for {@code holder} (a policy's
   * UID): empty if the call may be made now, else how long until the slot reserved for it. No call
   * is made.
   */
  Optional<Duration> reserve(Operation operation, TableRef table, String holder);

  /** Forgets the slots a holder (a policy that is gone) reserved. */
  void release(String holder);
}
