"""Create the table, bucket and user pool where they are missing: the emulator in local mode and
tests, or an endpoint named by AWS_ENDPOINT_URL. (On AWS, infra/ CloudFormation owns them.)"""

import logging

from botocore.exceptions import ClientError
from django.conf import settings

from kefir import aws

logger = logging.getLogger("kefir.bootstrap")

APP_CLIENT_NAME = "kefir-app"
GROUPS = ("staff", "admin")


def ensure_table() -> None:
    """The single table with GSI1 and TTL, as infra/data.yaml declares it on AWS."""
    from apps.core.aws.table import TableItem

    if not TableItem.exists():
        TableItem.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
        aws.client("dynamodb").update_time_to_live(
            TableName=settings.DYNAMODB_TABLE_NAME,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "TTL"},
        )


def ensure_bucket() -> None:
    """The photo bucket; browser uploads from local pages need CORS."""
    s3 = aws.client("s3")
    try:
        s3.head_bucket(Bucket=settings.PHOTOS_BUCKET)
        _ensure_exports_lifecycle(s3)
        return
    except ClientError:
        pass
    if settings.AWS_REGION == "us-east-1":
        s3.create_bucket(Bucket=settings.PHOTOS_BUCKET)
    else:
        s3.create_bucket(
            Bucket=settings.PHOTOS_BUCKET,
            CreateBucketConfiguration={"LocationConstraint": settings.AWS_REGION},
        )
    s3.put_bucket_cors(
        Bucket=settings.PHOTOS_BUCKET,
        CORSConfiguration={"CORSRules": [{
            "AllowedMethods": ["GET", "POST", "PUT"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"],
            "MaxAgeSeconds": 3000,
        }]},
    )
    _ensure_exports_lifecycle(s3)


def _ensure_exports_lifecycle(s3) -> None:
    """Export zips expire after EXPORT_RETENTION_DAYS, as infra/data.yaml's lifecycle rule says on AWS."""
    s3.put_bucket_lifecycle_configuration(
        Bucket=settings.PHOTOS_BUCKET,
        LifecycleConfiguration={"Rules": [{
            "ID": "expire-exports", "Status": "Enabled", "Filter": {"Prefix": settings.EXPORTS_PREFIX},
            "Expiration": {"Days": settings.EXPORT_RETENTION_DAYS},
        }]},
    )


def ensure_user_pool() -> tuple[str, str]:
    """(user pool id, app client id) of the pool named COGNITO_USER_POOL_NAME, created if missing."""
    idp = aws.client("cognito-idp")
    name = settings.COGNITO_USER_POOL_NAME
    pool_id = next(
        (p["Id"] for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60)
         for p in page["UserPools"] if p["Name"] == name),
        None,
    )
    if pool_id is None:
        pool_id = idp.create_user_pool(
            PoolName=name,
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            UsernameConfiguration={"CaseSensitive": False},
            Schema=[{"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True}],
        )["UserPool"]["Id"]
    client_id = next(
        (c["ClientId"] for page in idp.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool_id)
         for c in page["UserPoolClients"] if c["ClientName"] == APP_CLIENT_NAME),
        None,
    )
    if client_id is None:
        client_id = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=APP_CLIENT_NAME,
            GenerateSecret=False,
            # The local identity provider signs users in with ADMIN_USER_PASSWORD_AUTH; AWS uses CUSTOM_AUTH.
            ExplicitAuthFlows=["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"],
            PreventUserExistenceErrors="ENABLED",
        )["UserPoolClient"]["ClientId"]
    existing = {g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]}
    for group in GROUPS:
        if group not in existing:
            idp.create_group(UserPoolId=pool_id, GroupName=group)
    return pool_id, client_id


def ensure_all() -> tuple[str, str]:
    """Table, bucket and user pool; returns the pool's (user pool id, app client id)."""
    ensure_table()
    ensure_bucket()
    return ensure_user_pool()
