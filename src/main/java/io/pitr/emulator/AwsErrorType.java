package io.pitr.emulator;

import java.util.Arrays;
import java.util.Optional;

/**
 * The errors the emulator can answer with, each with the {@code __type} namespace, HTTP status and
 * message member that live DynamoDB uses for it (spec section 2.3), and, where STS has one, the
 * code and status STS answers for the same failure ({@link #onSts()}).
 */
public enum AwsErrorType {
  TABLE_NOT_FOUND("TableNotFoundException", Namespace.DYNAMODB, 400, "Table not found"),
  CONTINUOUS_BACKUPS_UNAVAILABLE(
      "ContinuousBackupsUnavailableException",
      Namespace.DYNAMODB,
      400,
      "Backups have not yet been enabled for this table."),
  RESOURCE_NOT_FOUND(
      "ResourceNotFoundException", Namespace.DYNAMODB, 400, "Requested resource not found"),
  RESOURCE_IN_USE(
      "ResourceInUseException",
      Namespace.DYNAMODB,
      400,
      "Attempt to change a resource which is still in use"),
  LIMIT_EXCEEDED(
      "LimitExceededException",
      Namespace.DYNAMODB,
      400,
      "Too many operations for a given subscriber"),
  INTERNAL_SERVER_ERROR("InternalServerError", Namespace.DYNAMODB, 500, "Internal server error"),
  VALIDATION("ValidationException", Namespace.VALIDATE, 400, "Invalid request"),
  THROTTLING("ThrottlingException", Namespace.AVAILABILITY, 400, "Rate exceeded"),
  SERVICE_UNAVAILABLE(
      "ServiceUnavailableException", Namespace.SERVICE, 503, "Service is unavailable"),
  ACCESS_DENIED(
      "AccessDeniedException",
      Namespace.SERVICE,
      400,
      "User is not authorized to perform this operation"),
  UNRECOGNIZED_CLIENT(
      "UnrecognizedClientException",
      Namespace.SERVICE,
      400,
      "The security token included in the request is invalid."),
  EXPIRED_TOKEN(
      "ExpiredTokenException",
      Namespace.SERVICE,
      400,
      "The security token included in the request is expired"),
  INVALID_SIGNATURE(
      "InvalidSignatureException",
      Namespace.SERVICE,
      400,
      "Signature expired: 20261125T100000Z is now earlier than 20261125T100500Z"),
  MISSING_AUTHENTICATION_TOKEN(
      "MissingAuthenticationTokenException",
      Namespace.SERVICE,
      400,
      "Request is missing Authentication Token"),
  SERIALIZATION("SerializationException", Namespace.SERVICE, 400, null),
  UNKNOWN_OPERATION("UnknownOperationException", Namespace.SERVICE, 400, null);

  /** The {@code __type} prefixes live DynamoDB sends (spec section 2.3). */
  private static final class Namespace {
    static final String DYNAMODB = "com.amazonaws.dynamodb.v20120810";
    static final String VALIDATE = "com.amazon.coral.validate";
    static final String AVAILABILITY = "com.amazon.coral.availability";
    static final String SERVICE = "com.amazon.coral.service";
  }

  private final String code;
  private final String namespace;
  private final int httpStatus;
  private final String defaultMessage;

  AwsErrorType(String code, String namespace, int httpStatus, String defaultMessage) {
    this.code = code;
    this.namespace = namespace;
    this.httpStatus = httpStatus;
    this.defaultMessage = defaultMessage;
  }

  /** The error code clients see, for example {@code TableNotFoundException}. */
  public String code() {
    return code;
  }

  /** The full shape id written into {@code __type}. */
  public String wireType() {
    return namespace + "#" + code;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** A message for injected faults; null where live DynamoDB sends none. */
  public String defaultMessage() {
    return defaultMessage;
  }

  /**
   * The body member holding the message: SerializationException uses {@code Message}, everything
   * else {@code message} (spec section 2.3).
   */
  String messageMember() {
    return this == SERIALIZATION ? "Message" : "message";
  }

  /**
   * What STS answers for this error in its query protocol's shape, empty for errors only DynamoDB
   * has. STS names its errors without the Exception suffix and refuses the caller's credentials
   * with 403 where DynamoDB answers 400.
   */
  public Optional<StsError> onSts() {
    return Optional.ofNullable(
        switch (this) {
          case VALIDATION -> new StsError("ValidationError", 400, true);
          case THROTTLING -> new StsError("Throttling", 400, true);
          case ACCESS_DENIED -> new StsError("AccessDenied", 403, true);
          case UNRECOGNIZED_CLIENT -> new StsError("InvalidClientTokenId", 403, true);
          case EXPIRED_TOKEN -> new StsError("ExpiredToken", 403, true);
          case INVALID_SIGNATURE -> new StsError("SignatureDoesNotMatch", 403, true);
          case MISSING_AUTHENTICATION_TOKEN ->
              new StsError("MissingAuthenticationToken", 403, true);
          case UNKNOWN_OPERATION -> new StsError("InvalidAction", 400, true);
          case INTERNAL_SERVER_ERROR -> new StsError("InternalFailure", 500, false);
          case SERVICE_UNAVAILABLE -> new StsError("ServiceUnavailable", 503, false);
          default -> null;
        });
  }

  /**
   * An error as STS writes it: {@code <Error><Type>Sender|Receiver</Type><Code>...}.
   *
   * @param code the error code clients see, for example {@code AccessDenied}
   * @param httpStatus the status STS answers with
   * @param senderFault true for {@code Sender} (the caller's fault), false for {@code Receiver}
   */
  public record StsError(String code, int httpStatus, boolean senderFault) {}

  /** Looks an error up by its code, as used in fault-injection settings. */
  public static Optional<AwsErrorType> fromCode(String code) {
    return Arrays.stream(values()).filter(type -> type.code.equals(code)).findFirst();
  }

  /** An exception carrying this error and a message. */
  public AwsErrorException exception(String message) {
    return new AwsErrorException(this, message);
  }
}
