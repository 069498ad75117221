"""moto_server with one fix that the tests need: a distinct OIDC issuer per EKS cluster.

moto 5 computes one issuer URL at import and gives it to every cluster, so two clusters
alive at once share an IAM OIDC provider; in EKS each cluster has its own. Everything
else is moto as released.
"""
import sys
import uuid

import moto.eks.models as eks

_original_init = eks.Cluster.__init__


def _cluster_with_own_issuer(self, *args, **kwargs):
    _original_init(self, *args, **kwargs)
    region = self.arn.split(":")[3]
    self.identity = {"oidc": {"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{uuid.uuid4().hex.upper()}"}}


eks.Cluster.__init__ = _cluster_with_own_issuer

from moto.server import main  # noqa: E402  (after the patch, so the server sees it)

sys.exit(main())
