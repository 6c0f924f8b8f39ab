"""Makes one DynamoDB or STS call with boto3 and prints the outcome as JSON, for the Java tests.

Usage: boto3_call.py ENDPOINT REGION SERVICE OPERATION PARAMS_JSON ACCESS_KEY_ID SECRET [TOKEN]
SERVICE is dynamodb or sts; TOKEN is the session token of temporary credentials. Prints {"response": {...}} or {"error": {"code": ..., "message": ..., "status": ...}} or, when
botocore refuses the parameters before sending, {"clientError": "..."}. Retries are off, so every
answer of the server is seen as sent. Timestamps are printed as epoch seconds.
"""
import datetime
import json
import sys

import boto3
import botocore.config
import botocore.exceptions
from botocore import xform_name


def main():
    endpoint, region, service, operation, params, access_key_id, secret = sys.argv[1:8]
    session_token = sys.argv[8] if len(sys.argv) > 8 else None
    client = boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret,
        aws_session_token=session_token,
        config=botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    try:
        response = getattr(client, xform_name(operation))(**json.loads(params))
        response.pop("ResponseMetadata", None)
        result = {"response": response}
    except botocore.exceptions.ClientError as error:
        result = {
            "error": {
                "code": error.response["Error"]["Code"],
                "message": error.response["Error"].get("Message"),
                "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
            }
        }
    except botocore.exceptions.ParamValidationError as error:
        result = {"clientError": str(error)}
    print(json.dumps(result, default=epoch_seconds))


def epoch_seconds(value):
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    raise TypeError(f"cannot print {type(value)}")


if __name__ == "__main__":
    main()
