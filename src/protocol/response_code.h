// RocketMQ response codes (RemotingSysResponseCode + ResponseCode), with their wire values.
#pragma once

#include <cstdint>

namespace rmq::protocol {

enum class ResponseCode : int32_t {
  kSuccess = 0,
  kSystemError = 1,
  kSystemBusy = 2,
  kRequestCodeNotSupported = 3,
  kTransactionFailed = 4,
  kFlushDiskTimeout = 10,
  kSlaveNotAvailable = 11,
  kFlushSlaveTimeout = 12,
  kMessageIllegal = 13,
  kServiceNotAvailable = 14,
  kVersionNotSupported = 15,
  kNoPermission = 16,
  kTopicNotExist = 17,
  kTopicExistAlready = 18,
  kPullNotFound = 19,
  kPullRetryImmediately = 20,
  kPullOffsetMoved = 21,
  kQueryNotFound = 22,
  kSubscriptionParseFailed = 23,
  kSubscriptionNotExist = 24,
  kSubscriptionNotLatest = 25,
  kSubscriptionGroupNotExist = 26,
  kFilterDataNotExist = 27,
  kFilterDataNotLatest = 28,
  kInvalidParameter = 29,
  kTransactionShouldCommit = 200,
  kTransactionShouldRollback = 201,
  kTransactionStateUnknow = 202,
  kTransactionStateGroupWrong = 203,
  kNoBuyerId = 204,
  kNotInCurrentUnit = 205,
  kConsumerNotOnline = 206,
  kConsumeMsgTimeout = 207,
  kNoMessage = 208,
  kUpdateAndCreateAclConfigFailed = 209,
  kDeleteAclConfigFailed = 210,
  kUpdateGlobalWhiteAddrsConfigFailed = 211,
};

}  // namespace rmq::protocol
