package io.pitr.operator.aws;

import io.pitr.operator.pitr.DesiredPitr;
import io.pitr.operator.pitr.ObservedPitr;
import io.pitr.operator.pitr.TableRef;
import java.time.Duration;
import java.util.Optional;

/** The operator's one door to DynamoDB's continuous backups. Speaks the project's types only. */
public interface ContinuousBackupsGateway {

  /** DescribeContinuousBackups: one call. */
  ObservedPitr describe(TableRef table) throws AwsCallFailed;

  /** UpdateContinuousBackups with the desired state: one call; its answer is the observation. */
  ObservedPitr update(TableRef table, DesiredPitr desired) throws AwsCallFailed;

  /**
   * Takes a permit of the shared DescribeContinuousBackups rate of the table's region, or says how
   * long to wait for one. No call is made.
   */
  Optional<Duration> reserveDescribe(TableRef table);
}
