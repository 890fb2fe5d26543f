# ruff: noqa  (published program text, kept as published)
# Ported to arraygrad from tkipf/pygcn, pygcn/models.py, commit 4396e4db5b97c9e071516bc601c9b6693696c489
# License: MIT, Copyright (c) 2017 Thomas Kipf
# Changes beyond imports: none.
import arraygrad.nn as nn
import arraygrad.nn.functional as F
from pygcn.layers import GraphConvolution


class GCN(nn.Module):
    def __init__(self, nfeat, nhid, nclass, dropout):
        super(GCN, self).__init__()

        self.gc1 = GraphConvolution(nfeat, nhid)
        self.gc2 = GraphConvolution(nhid, nclass)
        self.dropout = dropout

    def forward(self, x, adj):
        x = F.relu(self.gc1(x, adj))
        x = F.dropout(x, self.dropout, training=self.training)
        x = self.gc2(x, adj)
        return F.log_softmax(x, dim=1)
