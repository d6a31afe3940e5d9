"""Keys declared from structured stack config (require_object), each with an alias."""
import pulumi
import pulumi_aws as aws

config = pulumi.Config()
for spec in config.require_object("keys"):
    key = aws.kms.Key(f"{spec['name']}-key", description=f"{spec['name']} data",
                      enable_key_rotation=bool(spec.get("rotate")), deletion_window_in_days=14)
    aws.kms.Alias(f"{spec['name']}-alias", name=f"alias/{spec['name']}", target_key_id=key.key_id)
    pulumi.export(f"{spec['name']}_key_arn", key.arn)
