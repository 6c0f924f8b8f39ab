package io.pitr.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** How the API server refuses an invalid object: what the admission tests expect of it. */
public final class Rejections {

  private Rejections() {}

  /**
   * The call is refused as Invalid (HTTP 422), naming exactly {@code field}, with a message that
   * names the field and says {@code reason}.
   */
  public static void assertRejected(ThrowingCallable call, String field, String reason) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            rejection -> {
              assertThat(rejection.getCode()).isEqualTo(422);
              assertThat(rejection.getStatus().getReason()).isEqualTo("Invalid");
              assertThat(fieldsNamed(rejection)).as(rejection.getMessage()).containsExactly(field);
              assertThat(rejection.getMessage()).contains(field).contains(reason);
            });
  }

  /**
   * The fields a rejection names. Once a schema has CEL rules, the API server adds a cause with no
   * field saying that the rules could not all be checked; it names nothing, so it is left out.
   */
  private static List<String> fieldsNamed(KubernetesClientException rejection) {
    return rejection.getStatus().getDetails().getCauses().stream()
        .map(StatusCause::getField)
        .filter(field -> field != null && !field.equals("<nil>"))
        .toList();
  }
}
