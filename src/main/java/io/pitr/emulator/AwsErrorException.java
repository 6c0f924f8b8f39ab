package io.pitr.emulator;

/** An error answer: thrown anywhere in request handling and written once by the front end. */
public final class AwsErrorException extends RuntimeException {

  private final AwsErrorType type;

  public AwsErrorException(AwsErrorType type, String message) {
    super(message, null, false, false);
    this.type = type;
  }

  public AwsErrorType type() {
    return type;
  }
}
