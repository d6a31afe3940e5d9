"""Separate EBS volumes attached to an instance (the pattern for data that outlives the server)."""
import pulumi
import pulumi_aws as aws

server = aws.ec2.Instance("db-host", ami="ami-0abcdef1234567890", instance_type="m6i.large",
                          availability_zone="us-east-1a",
                          root_block_device={"volume_size": 30, "encrypted": True})

volumes = {
    "data": aws.ebs.Volume("data", availability_zone="us-east-1a", size=200, type="gp3", encrypted=True),
    "scratch": aws.ebs.Volume("scratch", availability_zone="us-east-1a", size=100, type="gp3"),
}
for device, (name, volume) in zip(["/dev/sdf", "/dev/sdg"], volumes.items()):
    aws.ec2.VolumeAttachment(f"{name}-attachment", device_name=device, volume_id=volume.id,
                             instance_id=server.id)

pulumi.export("instance_id", server.id)
