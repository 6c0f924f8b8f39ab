package io.pitr.emulator;

import java.util.Arrays;
import java.util.Optional;

/**
 * The operations the emulator answers, DynamoDB's and the two of STS that cross-account access
 * needs; anything else is UnknownOperationException (STS: InvalidAction). One enum for both, so
 * that counters and faults treat STS calls like any other.
 */
public enum Operation {
  CREATE_TABLE("CreateTable", Service.DYNAMODB),
  DESCRIBE_TABLE("DescribeTable", Service.DYNAMODB),
  LIST_TABLES("ListTables", Service.DYNAMODB),
  DELETE_TABLE("DeleteTable", Service.DYNAMODB),
  TAG_RESOURCE("TagResource", Service.DYNAMODB),
  UNTAG_RESOURCE("UntagResource", Service.DYNAMODB),
  LIST_TAGS_OF_RESOURCE("ListTagsOfResource", Service.DYNAMODB),
  UPDATE_CONTINUOUS_BACKUPS("UpdateContinuousBackups", Service.DYNAMODB),
  DESCRIBE_CONTINUOUS_BACKUPS("DescribeContinuousBackups", Service.DYNAMODB),
  ASSUME_ROLE("AssumeRole", Service.STS),
  GET_CALLER_IDENTITY("GetCallerIdentity", Service.STS);

  /** The service an operation belongs to, which decides its wire protocol. */
  public enum Service {
    /** JSON 1.0, the operation named by {@code X-Amz-Target}. */
    DYNAMODB,
    /** The query protocol: a form with {@code Action}, answered in XML. */
    STS
  }

  /** The {@code X-Amz-Target} prefix of DynamoDB's JSON 1.0 protocol. */
  public static final String TARGET_PREFIX = "DynamoDB_20120810.";

  private final String apiName;
  private final Service service;

  Operation(String apiName, Service service) {
    this.apiName = apiName;
    this.service = service;
  }

  /** The operation's name in the API, for example {@code UpdateContinuousBackups}. */
  public String apiName() {
    return apiName;
  }

  public Service service() {
    return service;
  }

  /** Resolves an {@code X-Amz-Target} header value to a DynamoDB operation. */
  public static Optional<Operation> fromTarget(String target) {
    if (target == null || !target.startsWith(TARGET_PREFIX)) {
      return Optional.empty();
    }
    return fromApiName(target.substring(TARGET_PREFIX.length()))
        .filter(operation -> operation.service == Service.DYNAMODB);
  }

  /** Resolves the {@code Action} of a query-protocol request to an STS operation. */
  public static Optional<Operation> fromAction(String action) {
    return fromApiName(action).filter(operation -> operation.service == Service.STS);
  }

  /** Resolves an operation name as written in the API, for example {@code DescribeTable}. */
  public static Optional<Operation> fromApiName(String name) {
    return Arrays.stream(values()).filter(op -> op.apiName.equals(name)).findFirst();
  }
}
