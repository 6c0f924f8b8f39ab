package io.pitr.operator.aws;

import io.pitr.operator.pitr.AwsAccess;
import io.pitr.operator.pitr.TableRef;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The operator's door to what tables an account's region has and how they are tagged: ListTables
 * and ListTagsOfResource, one page per call, so that the caller takes a budget slot for every call
 * it makes. Speaks the project's types only.
 */
public interface TableListingGateway {

  /** DynamoDB's largest (and default) ListTables page. */
  int LIST_TABLES_PAGE = 100;

  /**
   * ListTables: one page of up to {@value #LIST_TABLES_PAGE} names, in DynamoDB's order (by name),
   * after {@code exclusiveStartTableName}, reaching the account through {@code access} on behalf of
   * {@code holder} (an assumed role's session is kept per holder).
   *
   * @throws TooManyCallsInFlight when no call was made: too many calls to the account's region wait
   *     for their answer
   */
  TablePage listTables(
      AwsAccess access, String region, Optional<String> exclusiveStartTableName, String holder)
      throws AwsCallFailed;

  /**
   * ListTagsOfResource: one page of the table's tags, by its ARN (derived from the table's account,
   * or the operator's own: when that is not known yet, no call is made and the failure is {@code
   * AccountUnknown}, which passes). A table that is gone fails with {@code TableNotFound}.
   *
   * @param nextToken the previous page's {@link TagPage#nextToken()}; empty for the first page
   * @throws TooManyCallsInFlight when no call was made: too many calls to the account's region wait
   *     for their answer
   */
  TagPage listTags(TableRef table, Optional<String> nextToken, AwsAccess access, String holder)
      throws AwsCallFailed;

  /** The operations, each with a budget of its own per account and region. */
  enum ListingOperation {
    ListTables,
    ListTagsOfResource
  }

  /**
   * Takes a slot of the operation's budget in the account's region for {@code holder}: empty if the
   * call may be made now, else how long until the slot reserved for it. No call is made.
   *
   * @param accountId the account, as {@link AwsAccess#accountId()} has it (empty for the operator's
   *     own, when it is not configured)
   */
  Optional<Duration> reserve(
      ListingOperation operation, String accountId, String region, String holder);

  /** Forgets the slots a holder reserved, and its role session. */
  void release(String holder);

  /**
   * One page of ListTables.
   *
   * @param tableNames the names, in order
   * @param lastEvaluatedTableName where the next page starts; empty on the last page
   */
  record TablePage(List<String> tableNames, Optional<String> lastEvaluatedTableName) {
    public TablePage {
      tableNames = List.copyOf(tableNames);
    }
  }

  /**
   * One page of a table's tags.
   *
   * @param tags key to value
   * @param nextToken where the next page starts; empty on the last page
   */
  record TagPage(Map<String, String> tags, Optional<String> nextToken) {
    public TagPage {
      tags = Map.copyOf(tags);
    }
  }
}
