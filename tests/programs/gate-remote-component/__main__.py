# gate/4-remote-component-invisible with a stand-in module for pulumi_awsx (same registration on the wire).
import standin_awsx as awsx

vpc = awsx.Vpc("vpc", cidr_block="10.0.0.0/16")
