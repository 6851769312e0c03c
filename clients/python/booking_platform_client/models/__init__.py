"""Contains all the data models used in inputs/outputs"""

from .admin_sessions_session_list import AdminSessionsSessionList
from .admin_sessions_session_out import AdminSessionsSessionOut
from .amount_in import AmountIn
from .api_key_created import ApiKeyCreated
from .api_key_in import ApiKeyIn
from .api_key_in_role import ApiKeyInRole
from .api_key_list import ApiKeyList
from .api_key_out import ApiKeyOut
from .attempt_out import AttemptOut
from .audit_entry_list import AuditEntryList
from .audit_entry_out import AuditEntryOut
from .audit_entry_out_changed import AuditEntryOutChanged
from .availability_out import AvailabilityOut
from .booking_extra_out import BookingExtraOut
from .booking_list import BookingList
from .booking_out import BookingOut
from .cancel_session_body import CancelSessionBody
from .cancel_session_body_scope import CancelSessionBodyScope
from .cancellation_preview_out import CancellationPreviewOut
from .cancellation_window import CancellationWindow
from .cancelled_sessions import CancelledSessions
from .card_action_out import CardActionOut
from .card_authentication_body import CardAuthenticationBody
from .change_booking_body import ChangeBookingBody
from .company_list import CompanyList
from .company_out import CompanyOut
from .company_out_state import CompanyOutState
from .complete_card_authentication_body import CompleteCardAuthenticationBody
from .complete_card_authentication_body_approve import (
    CompleteCardAuthenticationBodyApprove,
)
from .create_booking_body import CreateBookingBody
from .create_company_body import CreateCompanyBody
from .create_customer_body import CreateCustomerBody
from .create_endpoint_body import CreateEndpointBody
from .create_endpoint_body_event_types_item import CreateEndpointBodyEventTypesItem
from .create_extra_body import CreateExtraBody
from .create_extra_body_pricing_unit import CreateExtraBodyPricingUnit
from .create_feed_body import CreateFeedBody
from .create_my_feed_body import CreateMyFeedBody
from .create_pass_product_body import CreatePassProductBody
from .create_rate_plan_body import CreateRatePlanBody
from .create_resource_body import CreateResourceBody
from .create_resource_body_booking_model import CreateResourceBodyBookingModel
from .create_series_body import CreateSeriesBody
from .create_session_body import CreateSessionBody
from .create_unit_body import CreateUnitBody
from .created_endpoint_out import CreatedEndpointOut
from .created_feed_out import CreatedFeedOut
from .customer_booking_out import CustomerBookingOut
from .customer_list import CustomerList
from .customer_next_action_out import CustomerNextActionOut
from .customer_out import CustomerOut
from .customer_passes import CustomerPasses
from .customer_wallet import CustomerWallet
from .daily_price_in import DailyPriceIn
from .daily_price_list import DailyPriceList
from .daily_price_out import DailyPriceOut
from .daily_prices_body import DailyPricesBody
from .day_out import DayOut
from .day_stats_out import DayStatsOut
from .dead_letter_list import DeadLetterList
from .dead_letter_out import DeadLetterOut
from .dead_letter_out_headers import DeadLetterOutHeaders
from .dead_letter_service_name import DeadLetterServiceName
from .delivery_list import DeliveryList
from .delivery_out import DeliveryOut
from .endpoint_list import EndpointList
from .endpoint_out import EndpointOut
from .entitlement_list import EntitlementList
from .entitlement_out import EntitlementOut
from .extra_in import ExtraIn
from .extra_list import ExtraList
from .extra_out import ExtraOut
from .extra_out_pricing_unit import ExtraOutPricingUnit
from .feed_list import FeedList
from .feed_out import FeedOut
from .field_error import FieldError
from .figures_out import FiguresOut
from .free_slot_list import FreeSlotList
from .free_slot_out import FreeSlotOut
from .guest_booking_created import GuestBookingCreated
from .guest_booking_out import GuestBookingOut
from .guest_cancel_body import GuestCancelBody
from .guest_in import GuestIn
from .guest_resource_booking_body import GuestResourceBookingBody
from .guest_session_booking_body import GuestSessionBookingBody
from .health_out import HealthOut
from .health_out_checks import HealthOutChecks
from .hourly_rate_body import HourlyRateBody
from .invite_accept_request import InviteAcceptRequest
from .invite_created import InviteCreated
from .invite_in import InviteIn
from .invite_in_role import InviteInRole
from .invite_list import InviteList
from .invite_out import InviteOut
from .issue_pass_body import IssuePassBody
from .issue_pass_body_sale import IssuePassBodySale
from .list_bookings_status_type_0_item import ListBookingsStatusType0Item
from .list_company_bookings_status_type_0_item import ListCompanyBookingsStatusType0Item
from .list_customer_bookings_status_type_0_item import (
    ListCustomerBookingsStatusType0Item,
)
from .list_resources_booking_model_type_0 import ListResourcesBookingModelType0
from .list_users_role_type_0 import ListUsersRoleType0
from .list_webhook_deliveries_event_type_type_0 import (
    ListWebhookDeliveriesEventTypeType0,
)
from .list_webhook_deliveries_status_type_0 import ListWebhookDeliveriesStatusType0
from .money import Money
from .moved_occurrence_out import MovedOccurrenceOut
from .next_action_out import NextActionOut
from .no_show_body import NoShowBody
from .occupancy_out import OccupancyOut
from .operator_action_body import OperatorActionBody
from .pass_product_list import PassProductList
from .pass_product_out import PassProductOut
from .password_change_request import PasswordChangeRequest
from .password_reset_accepted import PasswordResetAccepted
from .password_reset_confirm import PasswordResetConfirm
from .password_reset_list import PasswordResetList
from .password_reset_out import PasswordResetOut
from .password_reset_request import PasswordResetRequest
from .payment_in import PaymentIn
from .payment_plan_out import PaymentPlanOut
from .policy import Policy
from .price_in import PriceIn
from .problem_details import ProblemDetails
from .quote_body import QuoteBody
from .quote_line_out import QuoteLineOut
from .quote_out import QuoteOut
from .rate_plan_list import RatePlanList
from .rate_plan_out import RatePlanOut
from .reason_body import ReasonBody
from .refresh_request import RefreshRequest
from .refund_out import RefundOut
from .resource_availability_out import ResourceAvailabilityOut
from .resource_bookings import ResourceBookings
from .resource_list import ResourceList
from .resource_out import ResourceOut
from .resource_out_booking_model import ResourceOutBookingModel
from .resource_stats_out import ResourceStatsOut
from .revenue_out import RevenueOut
from .saga_list import SagaList
from .saga_out import SagaOut
from .saga_state_name import SagaStateName
from .saga_step_out import SagaStepOut
from .series_out import SeriesOut
from .session_list import SessionList
from .session_out import SessionOut
from .session_with_bookings import SessionWithBookings
from .settle_booking_body import SettleBookingBody
from .signup_request import SignupRequest
from .staff_booking_body import StaffBookingBody
from .staff_booking_list import StaffBookingList
from .staff_booking_out import StaffBookingOut
from .staff_booking_out_desk_payment_type_0 import StaffBookingOutDeskPaymentType0
from .staff_pass_out import StaffPassOut
from .staff_payment_in import StaffPaymentIn
from .staff_payment_in_desk_type_0 import StaffPaymentInDeskType0
from .staff_wallet_entry_out import StaffWalletEntryOut
from .stats_out import StatsOut
from .suspend_body import SuspendBody
from .token_request import TokenRequest
from .token_response import TokenResponse
from .unit_list import UnitList
from .unit_out import UnitOut
from .unit_stats_out import UnitStatsOut
from .update_company_body import UpdateCompanyBody
from .update_customer_body import UpdateCustomerBody
from .update_endpoint_body import UpdateEndpointBody
from .update_endpoint_body_event_types_type_0_item import (
    UpdateEndpointBodyEventTypesType0Item,
)
from .update_extra_body import UpdateExtraBody
from .update_extra_body_pricing_unit_type_0 import UpdateExtraBodyPricingUnitType0
from .update_pass_product_body import UpdatePassProductBody
from .update_rate_plan_body import UpdateRatePlanBody
from .update_resource_body import UpdateResourceBody
from .update_session_body import UpdateSessionBody
from .update_unit_body import UpdateUnitBody
from .user_list import UserList
from .user_out import UserOut
from .user_patch import UserPatch
from .user_patch_role_type_0 import UserPatchRoleType0
from .wallet_change_body import WalletChangeBody
from .wallet_change_body_balance import WalletChangeBodyBalance
from .wallet_entry_list import WalletEntryList
from .wallet_entry_out import WalletEntryOut
from .wallet_out import WalletOut
from .webhook_ack import WebhookAck

__all__ = (
    "AdminSessionsSessionList",
    "AdminSessionsSessionOut",
    "AmountIn",
    "ApiKeyCreated",
    "ApiKeyIn",
    "ApiKeyInRole",
    "ApiKeyList",
    "ApiKeyOut",
    "AttemptOut",
    "AuditEntryList",
    "AuditEntryOut",
    "AuditEntryOutChanged",
    "AvailabilityOut",
    "BookingExtraOut",
    "BookingList",
    "BookingOut",
    "CancelSessionBody",
    "CancelSessionBodyScope",
    "CancellationPreviewOut",
    "CancellationWindow",
    "CancelledSessions",
    "CardActionOut",
    "CardAuthenticationBody",
    "ChangeBookingBody",
    "CompanyList",
    "CompanyOut",
    "CompanyOutState",
    "CompleteCardAuthenticationBody",
    "CompleteCardAuthenticationBodyApprove",
    "CreateBookingBody",
    "CreateCompanyBody",
    "CreateCustomerBody",
    "CreateEndpointBody",
    "CreateEndpointBodyEventTypesItem",
    "CreateExtraBody",
    "CreateExtraBodyPricingUnit",
    "CreateFeedBody",
    "CreateMyFeedBody",
    "CreatePassProductBody",
    "CreateRatePlanBody",
    "CreateResourceBody",
    "CreateResourceBodyBookingModel",
    "CreateSeriesBody",
    "CreateSessionBody",
    "CreateUnitBody",
    "CreatedEndpointOut",
    "CreatedFeedOut",
    "CustomerBookingOut",
    "CustomerList",
    "CustomerNextActionOut",
    "CustomerOut",
    "CustomerPasses",
    "CustomerWallet",
    "DailyPriceIn",
    "DailyPriceList",
    "DailyPriceOut",
    "DailyPricesBody",
    "DayOut",
    "DayStatsOut",
    "DeadLetterList",
    "DeadLetterOut",
    "DeadLetterOutHeaders",
    "DeadLetterServiceName",
    "DeliveryList",
    "DeliveryOut",
    "EndpointList",
    "EndpointOut",
    "EntitlementList",
    "EntitlementOut",
    "ExtraIn",
    "ExtraList",
    "ExtraOut",
    "ExtraOutPricingUnit",
    "FeedList",
    "FeedOut",
    "FieldError",
    "FiguresOut",
    "FreeSlotList",
    "FreeSlotOut",
    "GuestBookingCreated",
    "GuestBookingOut",
    "GuestCancelBody",
    "GuestIn",
    "GuestResourceBookingBody",
    "GuestSessionBookingBody",
    "HealthOut",
    "HealthOutChecks",
    "HourlyRateBody",
    "InviteAcceptRequest",
    "InviteCreated",
    "InviteIn",
    "InviteInRole",
    "InviteList",
    "InviteOut",
    "IssuePassBody",
    "IssuePassBodySale",
    "ListBookingsStatusType0Item",
    "ListCompanyBookingsStatusType0Item",
    "ListCustomerBookingsStatusType0Item",
    "ListResourcesBookingModelType0",
    "ListUsersRoleType0",
    "ListWebhookDeliveriesEventTypeType0",
    "ListWebhookDeliveriesStatusType0",
    "Money",
    "MovedOccurrenceOut",
    "NextActionOut",
    "NoShowBody",
    "OccupancyOut",
    "OperatorActionBody",
    "PassProductList",
    "PassProductOut",
    "PasswordChangeRequest",
    "PasswordResetAccepted",
    "PasswordResetConfirm",
    "PasswordResetList",
    "PasswordResetOut",
    "PasswordResetRequest",
    "PaymentIn",
    "PaymentPlanOut",
    "Policy",
    "PriceIn",
    "ProblemDetails",
    "QuoteBody",
    "QuoteLineOut",
    "QuoteOut",
    "RatePlanList",
    "RatePlanOut",
    "ReasonBody",
    "RefreshRequest",
    "RefundOut",
    "ResourceAvailabilityOut",
    "ResourceBookings",
    "ResourceList",
    "ResourceOut",
    "ResourceOutBookingModel",
    "ResourceStatsOut",
    "RevenueOut",
    "SagaList",
    "SagaOut",
    "SagaStateName",
    "SagaStepOut",
    "SeriesOut",
    "SessionList",
    "SessionOut",
    "SessionWithBookings",
    "SettleBookingBody",
    "SignupRequest",
    "StaffBookingBody",
    "StaffBookingList",
    "StaffBookingOut",
    "StaffBookingOutDeskPaymentType0",
    "StaffPassOut",
    "StaffPaymentIn",
    "StaffPaymentInDeskType0",
    "StaffWalletEntryOut",
    "StatsOut",
    "SuspendBody",
    "TokenRequest",
    "TokenResponse",
    "UnitList",
    "UnitOut",
    "UnitStatsOut",
    "UpdateCompanyBody",
    "UpdateCustomerBody",
    "UpdateEndpointBody",
    "UpdateEndpointBodyEventTypesType0Item",
    "UpdateExtraBody",
    "UpdateExtraBodyPricingUnitType0",
    "UpdatePassProductBody",
    "UpdateRatePlanBody",
    "UpdateResourceBody",
    "UpdateSessionBody",
    "UpdateUnitBody",
    "UserList",
    "UserOut",
    "UserPatch",
    "UserPatchRoleType0",
    "WalletChangeBody",
    "WalletChangeBodyBalance",
    "WalletEntryList",
    "WalletEntryOut",
    "WalletOut",
    "WebhookAck",
)
