"""The offline path: run a Pulumi program under the SDK's mock engine and judge it with the policy pack
over the analyzer protocol, as `pulumi preview --policy-pack` would, without the CLI or an account."""
