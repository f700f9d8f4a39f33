"""The demo business: accounts, regions, services with real AWS codes and public rates, commitments.

Rates are public on-demand list prices (USD) rounded for the demo; nothing here is a real customer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    product_code: str
    product_name: str
    servicecode: str
    family: str
    usage_type: str  # {region} is replaced by the region's usage-type prefix
    operation: str
    unit: str
    rate: float  # public on-demand rate per unit, USD
    weight: float  # share of usage rows
    amount: tuple[float, float]  # usage amount range per row
    resource: str  # resource id template ({i} = instance number, {acct}, {region})
    instance_type: str = ""
    operating_system: str = ""


SERVICES: tuple[Service, ...] = (
    Service(
        "AmazonEC2",
        "Amazon Elastic Compute Cloud",
        "AmazonEC2",
        "Compute Instance",
        "{p}BoxUsage:m6i.large",
        "RunInstances",
        "Hrs",
        0.096,
        0.22,
        (1, 1),
        "i-0{i:015x}",
        "m6i.large",
        "Linux",
    ),
    Service(
        "AmazonEC2",
        "Amazon Elastic Compute Cloud",
        "AmazonEC2",
        "Compute Instance",
        "{p}BoxUsage:c6i.xlarge",
        "RunInstances",
        "Hrs",
        0.17,
        0.12,
        (1, 1),
        "i-0{i:015x}",
        "c6i.xlarge",
        "Linux",
    ),
    Service(
        "AmazonEC2",
        "Amazon Elastic Compute Cloud",
        "AmazonEC2",
        "Compute Instance",
        "{p}SpotUsage:m5.4xlarge",  # billed at the spot price (rows.py), listed at on-demand
        "RunInstances:SV001",
        "Hrs",
        0.768,
        0.12,
        (1, 1),
        "i-0{i:015x}",
        "m5.4xlarge",
        "Linux",
    ),
    Service(
        "AmazonEC2",
        "Amazon Elastic Compute Cloud",
        "AmazonEC2",
        "Storage",
        "{p}EBS:VolumeUsage.gp3",
        "CreateVolume-Gp3",
        "GB-Mo",
        0.08,
        0.1,
        (0.5, 20),
        "vol-0{i:015x}",
    ),
    Service(
        "AWSDataTransfer",
        "AWS Data Transfer",
        "AWSDataTransfer",
        "Data Transfer",
        "{p}DataTransfer-Out-Bytes",
        "",
        "GB",
        0.09,
        0.06,
        (0.1, 50),
        "",
    ),
    Service(
        "AmazonS3",
        "Amazon Simple Storage Service",
        "AmazonS3",
        "Storage",
        "{p}TimedStorage-ByteHrs",
        "StandardStorage",
        "GB-Mo",
        0.023,
        0.1,
        (1, 400),
        "demo-bucket-{i:04d}",
    ),
    Service(
        "AmazonRDS",
        "Amazon Relational Database Service",
        "AmazonRDS",
        "Database Instance",
        "{p}InstanceUsage:db.r6g.large",
        "CreateDBInstance:0016",
        "Hrs",
        0.225,
        0.08,
        (1, 1),
        "arn:aws:rds:{region}:{acct}:db:demo-db-{i:03d}",
        "db.r6g.large",
    ),
    Service(
        "AWSLambda",
        "AWS Lambda",
        "AWSLambda",
        "Serverless",
        "{p}Lambda-GB-Second",
        "Invoke",
        "Lambda-GB-Second",
        0.0000166667,
        0.08,
        (1000, 400000),
        "arn:aws:lambda:{region}:{acct}:function:demo-fn-{i:03d}",
    ),
    Service(
        "AmazonDynamoDB",
        "Amazon DynamoDB",
        "AmazonDynamoDB",
        "Amazon DynamoDB PayPerRequest Throughput",
        "{p}ReadRequestUnits",
        "PayPerRequestThroughput",
        "ReadRequestUnits",
        0.00000025,
        0.05,
        (10000, 5000000),
        "arn:aws:dynamodb:{region}:{acct}:table/demo-{i:03d}",
    ),
    Service(
        "AmazonCloudFront",
        "Amazon CloudFront",
        "AmazonCloudFront",
        "Data Transfer",
        "US-DataTransfer-Out-Bytes",
        "GET",
        "GB",
        0.085,
        0.04,
        (0.5, 80),
        "arn:aws:cloudfront::{acct}:distribution/E{i:012X}",
    ),
    Service(
        "AmazonEKS",
        "Amazon Elastic Container Service for Kubernetes",
        "AmazonEKS",
        "Compute",
        "{p}AmazonEKS-Hours:perCluster",
        "CreateOperation",
        "Hours",
        0.10,
        0.03,
        (1, 1),
        "arn:aws:eks:{region}:{acct}:cluster/demo-{i:02d}",
    ),
    Service(
        "AmazonCloudWatch",
        "AmazonCloudWatch",
        "AmazonCloudWatch",
        "Metric",
        "{p}CW:MetricMonitorUsage",
        "MetricStorage",
        "Metrics",
        0.30,
        0.04,
        (1, 30),
        "",
    ),
    Service(
        "AmazonElastiCache",
        "Amazon ElastiCache",
        "AmazonElastiCache",
        "Cache Instance",
        "{p}NodeUsage:cache.r6g.large",
        "CreateCacheCluster:0012",
        "Hrs",
        0.206,
        0.03,
        (1, 1),
        "arn:aws:elasticache:{region}:{acct}:cluster:demo-{i:03d}",
        "cache.r6g.large",
    ),
    Service(
        "AmazonSageMaker",
        "Amazon SageMaker",
        "AmazonSageMaker",
        "ML Instance",
        "{p}Notebook:ml.t3.medium",
        "RunInstance:0001",
        "Hrs",
        0.05,
        0.01,
        (1, 1),
        "arn:aws:sagemaker:{region}:{acct}:notebook-instance/demo-{i:02d}",
        "ml.t3.medium",
    ),
)

# region code, display location, usage-type prefix, weight
REGIONS: tuple[tuple[str, str, str, float], ...] = (
    ("us-east-1", "US East (N. Virginia)", "", 0.45),
    ("us-west-2", "US West (Oregon)", "USW2-", 0.2),
    ("eu-west-1", "EU (Ireland)", "EU-", 0.15),
    ("eu-central-1", "EU (Frankfurt)", "EUC1-", 0.1),
    ("ap-southeast-2", "Asia Pacific (Sydney)", "APS2-", 0.06),
    ("ap-northeast-1", "Asia Pacific (Tokyo)", "APN1-", 0.04),
)

TEAMS = ("payments", "search", "platform", "data", "web", "ml")
ENVS = ("prod", "staging", "dev")
COST_CENTERS = ("CC-100", "CC-200", "CC-300", "CC-400")
APPS = ("checkout", "catalog", "ingest", "portal", "recommender")
BUSINESS_UNITS = ("Retail", "Platform", "Research")


@dataclass(frozen=True)
class Organisation:
    """One payer with its linked accounts; the v1 and v2 demo exports are two organisations."""

    payer_id: str
    payer_name: str
    accounts: tuple[tuple[str, str], ...]  # (id, name); the payer is first
    invoicing_entity: str = "Amazon Web Services, Inc."


def organisation(flavour: str) -> Organisation:
    base = 111_100_000_000 if flavour == "v1" else 444_400_000_000
    names = (
        "management",
        "shared-services",
        "payments-prod",
        "payments-dev",
        "search-prod",
        "data-lake",
        "ml-research",
        "web-prod",
        "web-staging",
        "platform-tools",
        "sandbox",
    )
    prefix = "acme" if flavour == "v1" else "globex"
    accounts = tuple((str(base + 1_111 * (i + 1)), f"{prefix}-{n}") for i, n in enumerate(names))
    return Organisation(accounts[0][0], f"{prefix.title()} Corp", accounts)
