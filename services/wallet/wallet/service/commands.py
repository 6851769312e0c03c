"""The commands live in `wallet.domain.commands`. wallet.entrypoints.saga imports SagaStep from
here until its rebuild on plumbing's inbox consumer moves that import."""

from wallet.domain.commands import SagaStep as SagaStep
