package io.pitr.emulator;

import java.util.Arrays;
import java.util.Optional;

/** The DynamoDB operations the emulator answers; anything else is UnknownOperationException. */
public enum Operation {
  CREATE_TABLE("CreateTable"),
  DESCRIBE_TABLE("DescribeTable"),
  LIST_TABLES("ListTables"),
  DELETE_TABLE("DeleteTable"),
  TAG_RESOURCE("TagResource"),
  UNTAG_RESOURCE("UntagResource"),
  LIST_TAGS_OF_RESOURCE("ListTagsOfResource"),
  UPDATE_CONTINUOUS_BACKUPS("UpdateContinuousBackups"),
  DESCRIBE_CONTINUOUS_BACKUPS("DescribeContinuousBackups");

  /** The {@code X-Amz-Target} prefix of DynamoDB's JSON 1.0 protocol. */
  public static final String TARGET_PREFIX = "DynamoDB_20120810.";

  private final String apiName;

  Operation(String apiName) {
    this.apiName = apiName;
  }

  /** The operation's name in the API, for example {@code UpdateContinuousBackups}. */
  public String apiName() {
    return apiName;
  }

  /** Resolves an {@code X-Amz-Target} header value. */
  public static Optional<Operation> fromTarget(String target) {
    if (target == null || !target.startsWith(TARGET_PREFIX)) {
      return Optional.empty();
    }
    return fromApiName(target.substring(TARGET_PREFIX.length()));
  }

  /** Resolves an operation name as written in the API, for example {@code DescribeTable}. */
  public static Optional<Operation> fromApiName(String name) {
    return Arrays.stream(values()).filter(op -> op.apiName.equals(name)).findFirst();
  }
}
