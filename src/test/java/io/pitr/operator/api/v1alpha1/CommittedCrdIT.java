package io.pitr.operator.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.pitr.operator.testing.CustomResourceDefinitions;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Each CRD committed under crds/, which users and GitOps tools apply, is exactly the one the build
 * generates from the Java model. Runs after packaging, when the generated file exists.
 */
class CommittedCrdIT {

  @ParameterizedTest(name = "{0}")
  @FieldSource("io.pitr.operator.testing.CustomResourceDefinitions#ALL")
  void committedCrdMatchesTheJavaModel(String crd) throws IOException {
    var committed = CustomResourceDefinitions.committedFile(crd);
    var generated = CustomResourceDefinitions.generatedFile(crd);

    assertThat(Files.readString(committed))
        .as(
            "%s is out of date with the Java model; refresh it with: cp %s %s",
            committed, generated, committed)
        .isEqualTo(Files.readString(generated));
  }
}
