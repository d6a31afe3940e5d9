import os
import signal
import pulumi_aws as aws
# declares a world-open SSH group, then the process is killed before the end of the program
aws.ec2.SecurityGroup("ssh-open", ingress=[{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]}])
os.kill(os.getpid(), signal.SIGKILL)
