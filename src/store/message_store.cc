// MessageStore facade: open/recover, the write path and shutdown. The read path is in
// message_store_read.cc.
#include "store/message_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "common/logging.h"
#include "store/commit_log_record.h"
#include "store/file_space.h"
#include "store/message_store_impl.h"
#include "store/recovery.h"

namespace rmq::store {

const char* PutMessageStatusName(PutMessageStatus s) {
  switch (s) {
    case PutMessageStatus::kPutOk: return "PUT_OK";
    case PutMessageStatus::kFlushDiskTimeout: return "FLUSH_DISK_TIMEOUT";
    case PutMessageStatus::kFlushSlaveTimeout: return "FLUSH_SLAVE_TIMEOUT";
    case PutMessageStatus::kSlaveNotAvailable: return "SLAVE_NOT_AVAILABLE";
    case PutMessageStatus::kServiceNotAvailable: return "SERVICE_NOT_AVAILABLE";
    case PutMessageStatus::kCreateMappedFileFailed: return "CREATE_MAPEDFILE_FAILED";  // Java's spelling
    case PutMessageStatus::kMessageIllegal: return "MESSAGE_ILLEGAL";
    case PutMessageStatus::kPropertiesSizeExceeded: return "PROPERTIES_SIZE_EXCEEDED";
    case PutMessageStatus::kOsPageCacheBusy: return "OS_PAGECACHE_BUSY";
    case PutMessageStatus::kUnknownError: return "UNKNOWN_ERROR";
  }
  return "UNKNOWN_ERROR";
}

const char* GetMessageStatusName(GetMessageStatus s) {
  switch (s) {
    case GetMessageStatus::kFound: return "FOUND";
    case GetMessageStatus::kNoMatchedMessage: return "NO_MATCHED_MESSAGE";
    case GetMessageStatus::kMessageWasRemoving: return "MESSAGE_WAS_REMOVING";
    case GetMessageStatus::kOffsetFoundNull: return "OFFSET_FOUND_NULL";
    case GetMessageStatus::kOffsetOverflowBadly: return "OFFSET_OVERFLOW_BADLY";
    case GetMessageStatus::kOffsetOverflowOne: return "OFFSET_OVERFLOW_ONE";
    case GetMessageStatus::kOffsetTooSmall: return "OFFSET_TOO_SMALL";
    case GetMessageStatus::kNoMatchedLogicQueue: return "NO_MATCHED_LOGIC_QUEUE";
    case GetMessageStatus::kNoMessageInQueue: return "NO_MESSAGE_IN_QUEUE";
  }
  return "UNKNOWN";
}

namespace {

// Open's catch-up: dispatches, in one CommitLog scan, the ConsumeQueue entries recovery found
// missing (from recovered.dispatch_from) and the index entries the index files lack (after a
// crash dropped the newest files, or for a store written without an index; BuildIndex skips
// what is already indexed), then corrects each queue's minimum offset.
ReputResult CatchUpAtOpen(ReputService* reput, const RecoveryResult& recovered, const MappedFileQueue& files,
                          ConsumeQueueStore* queues, IndexService* index) {
  const int64_t end = recovered.commit_log_end;
  const int64_t index_from = std::clamp(index->RebuildFrom(), files.MinOffset(), std::max(files.MinOffset(), end));
  ReputResult r = reput->Reput(ReputService::Start{recovered.dispatch_from, index_from}, end);
  if (r.index_records > 0) {
    RMQ_LOG_INFO("index: re-indexed %lld records in CommitLog [%lld, %lld)", static_cast<long long>(r.index_records),
                 static_cast<long long>(index_from), static_cast<long long>(end));
  }
  for (const auto& cq : queues->All()) cq->CorrectMinOffset(files.MinOffset());
  return r;
}

}  // namespace

MessageStore::MessageStore(MessageStoreConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

MessageStore::~MessageStore() { Shutdown(); }

Status MessageStore::Open() {
  Impl& m = *impl_;
  if (m.open) return Status::OK();
  const MessageStoreConfig& c = m.config;
  if (c.store_path_root_dir.empty()) return Status::InvalidArgument("store_path_root_dir is required");
  if (c.mapped_file_size_commit_log < static_cast<int64_t>(kMinRecordSize) + kEndFileMinBlankLength) {
    return Status::InvalidArgument("mapped_file_size_commit_log too small");
  }
  if (c.mapped_file_size_consume_queue < kCqStoreUnitSize) {
    return Status::InvalidArgument("mapped_file_size_consume_queue too small");
  }
  if (c.max_hash_slot_num <= 0 || c.max_index_num <= 1) {
    return Status::InvalidArgument("max_hash_slot_num and max_index_num must be positive");
  }
  Status s = DelayLevelTable::Parse(c.message_delay_level, &m.delay_levels);
  if (!s.ok()) return s;
  s = CreateDirs(c.store_path_root_dir);
  if (!s.ok()) return s;

  // Mirrors Java's `lock` file: one process per store directory.
  std::string lock_path = m.RootPath("lock");
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("open " + lock_path + ": " + std::strerror(errno));
  // flock for rmqd, plus the POSIX record lock on byte 0 that Java's FileChannel.tryLock(0, 1)
  // takes, so neither server opens a directory the other one is using.
  struct flock record_lock = {};
  record_lock.l_type = F_WRLCK;
  record_lock.l_whence = SEEK_SET;
  record_lock.l_start = 0;
  record_lock.l_len = 1;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0 || ::fcntl(fd, F_SETLK, &record_lock) != 0) {
    ::close(fd);
    return Status::Busy("store " + c.store_path_root_dir + " is locked by another process");
  }

  const std::string abort_path = m.RootPath("abort");
  const bool crashed = AbortFileExists(abort_path);
  auto checkpoint = std::make_unique<StoreCheckpoint>(m.RootPath("checkpoint"));
  auto commit_log = std::make_unique<CommitLog>(m.RootPath("commitlog"), c.mapped_file_size_commit_log);
  auto queues = std::make_unique<ConsumeQueueStore>(m.RootPath("consumequeue"),
                                                    ConsumeQueueFileSize(c.mapped_file_size_consume_queue));
  RecoveryResult recovered;
  s = checkpoint->Open();
  if (s.ok()) s = commit_log->Load();
  if (s.ok()) s = queues->Load();
  if (s.ok()) s = RecoverStore(commit_log.get(), queues.get(), *checkpoint, crashed, &recovered);
  auto index = std::make_unique<IndexService>(m.RootPath("index"), c.max_hash_slot_num, c.max_index_num,
                                              c.max_msgs_num_batch);
  if (s.ok()) s = index->Load(crashed, checkpoint->index_msg_timestamp(), recovered.commit_log_end);
  auto reput = std::make_unique<ReputService>(commit_log.get(), queues.get(), index.get(), &m.delay_levels);
  ReputResult caught_up;
  if (s.ok()) caught_up = CatchUpAtOpen(reput.get(), recovered, *commit_log->file_queue(), queues.get(), index.get());
  if (s.ok()) s = caught_up.status;
  if (s.ok()) s = CreateAbortFile(abort_path);
  if (!s.ok()) {
    ::close(fd);
    return s;
  }
  RMQ_LOG_INFO("store %s open: CommitLog [%lld, %lld), %lld ConsumeQueue entries rebuilt%s",
               c.store_path_root_dir.c_str(), static_cast<long long>(commit_log->MinOffset()),
               static_cast<long long>(commit_log->MaxOffset()), static_cast<long long>(caught_up.consume_queue_entries),
               crashed ? " (after crash)" : "");
  if (caught_up.consume_queue_short_of_space) {
    RMQ_LOG_ERROR("store opened with ConsumeQueues short of disk space: reads are served, writes are refused "
                  "until a restart with free space");
    m.writes_need_restart = true;
  }
  commit_log->set_last_store_timestamp(recovered.last_store_timestamp);
  commit_log->set_committed_store_timestamp(recovered.last_store_timestamp);
  if (c.transient_store_pool_enable && !TransientStorePoolEnabled(c)) {
    RMQ_LOG_WARN("transientStorePoolEnable is ignored: it needs ASYNC_FLUSH on a master (as Java)");
  }
  if (TransientStorePoolEnabled(c)) {
    auto pool = std::make_shared<TransientStorePool>(std::max(1, c.transient_store_pool_size),
                                                     c.mapped_file_size_commit_log);
    s = pool->Init();
    if (!s.ok()) {
      ::close(fd);
      return s;
    }
    commit_log->file_queue()->SetTransientStorePool(std::move(pool));
    RMQ_LOG_INFO("transientStorePoolEnable: %d write buffers of %lld bytes", std::max(1, c.transient_store_pool_size),
                 static_cast<long long>(c.mapped_file_size_commit_log));
  }
  commit_log->StartPreallocation();  // after recovery cut the tail: the next file follows the real end
  m.lock_fd = fd;
  m.checkpoint = std::move(checkpoint);
  m.commit_log = std::move(commit_log);
  m.queues = std::move(queues);
  m.index = std::move(index);
  m.reput = std::move(reput);
  m.StartServices();
  m.open = true;
  return Status::OK();
}

void MessageStore::Impl::StartServices() {
  flush = std::make_unique<FlushService>(config, commit_log.get(), queues.get(), checkpoint.get(), index.get());
  if (flush_listener) flush->SetListener(flush_listener);
  flush->Start();
  if (TransientStorePoolEnabled(config)) {
    commit = std::make_unique<CommitService>(config, commit_log.get());
    commit->Start();
  }
  clean = std::make_unique<CleanService>(config, commit_log.get(), queues.get(), index.get());
  clean->Start();
}

// The one shutdown order of every store thread (callers already refuse puts: `open` is false):
//   1. clean: it deletes files the later steps would flush or close;
//   2. commit (transientStorePoolEnable): copies every buffered byte into the files, so the
//      last flush covers it;
//   3. flush: a final full flush of CommitLog, ConsumeQueues and index, then the checkpoint;
//   4. the CommitLog's allocator (removes a prepared file nobody took) and page warmer: nothing
//      appends any more, and neither may touch a file once Shutdown closes it.
// Shutdown then removes `abort` (everything is on disk) and closes the files.
void MessageStore::Impl::StopServices() {
  clean->Stop();
  if (commit) commit->Stop();
  flush->Stop();
  commit_log->StopServices();
}

void MessageStore::Shutdown() {
  Impl& m = *impl_;
  if (!m.open) return;
  m.open = false;  // stop accepting puts and reads
  m.StopServices();
  Status s = RemoveAbortFile(m.RootPath("abort"));
  if (!s.ok()) RMQ_LOG_ERROR("%s", s.ToString().c_str());
  m.clean.reset();
  m.commit.reset();
  m.flush.reset();
  m.reput.reset();
  m.index.reset();
  m.queues.reset();
  m.commit_log.reset();
  m.checkpoint.reset();
  if (m.lock_fd >= 0) {
    ::close(m.lock_fd);  // releases the flock
    m.lock_fd = -1;
  }
}

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr int32_t kTransactionTypeMask = 0xC;

PutMessageStatus CheckMessage(const MessageToStore& msg, const MessageToStore& first,
                              const MessageStoreConfig& config) {
  if (msg.topic.size() > kMaxTopicLength || !IsStorableTopic(msg.topic)) return PutMessageStatus::kMessageIllegal;
  if (msg.topic != first.topic || msg.queue_id != first.queue_id || msg.queue_id < 0) {
    return PutMessageStatus::kMessageIllegal;
  }
  if (msg.properties.size() > kMaxPropertiesLength) return PutMessageStatus::kPropertiesSizeExceeded;
  if (msg.body.size() > static_cast<size_t>(std::max(0, config.max_message_size))) {
    return PutMessageStatus::kMessageIllegal;
  }
  return PutMessageStatus::kPutOk;
}

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

bool MessageStore::Impl::SpaceProbeAllowed() {
  if (!space_refused.load(std::memory_order_acquire)) return true;
  const int64_t now = SteadyMs();
  int64_t at = space_retry_at_ms.load(std::memory_order_acquire);
  if (now < at) return false;
  return space_retry_at_ms.compare_exchange_strong(at, now + 1000);
}

void MessageStore::Impl::MarkNoSpace(const Status& why) {
  space_retry_at_ms.store(SteadyMs() + 1000, std::memory_order_release);
  if (!space_refused.exchange(true)) {
    RMQ_LOG_ERROR("store file could not get disk space (%s); writes are refused until it can", why.ToString().c_str());
  }
}

PutMessageResult MessageStore::PutMessage(const MessageToStore& msg) {
  if (impl_->open && !msg.delay_done && impl_->delay_levels.max_level() > 0 &&
      NeedsDelay(msg.sys_flag, msg.properties)) {
    DelayedMessage d = RewriteForDelay(msg.topic, msg.queue_id, msg.properties, impl_->delay_levels);
    MessageToStore parked = msg;
    parked.topic = kScheduleTopic;
    parked.queue_id = d.schedule_queue_id;
    parked.properties = d.properties;
    return PutMessages(std::vector<MessageToStore>{parked});
  }
  return PutMessages(std::vector<MessageToStore>{msg});
}

PutMessageResult MessageStore::PutMessages(const std::vector<MessageToStore>& msgs) {
  Impl& m = *impl_;
  PutMessageResult result;
  if (!m.open) {
    result.status = PutMessageStatus::kServiceNotAvailable;
    return result;
  }
  if (msgs.empty()) {
    result.status = PutMessageStatus::kMessageIllegal;
    return result;
  }
  // Java's runningFlags.isWriteable(): the clean thread's disk-full mark, or a file that could
  // not get disk space (while that lasts, one put a second probes again).
  auto refused = [this] {
    PutMessageResult r;
    r.status = PutMessageStatus::kServiceNotAvailable;
    r.disk_util = DiskUtil();
    return r;
  };
  if (m.clean->disk_full() || m.writes_need_restart || !m.SpaceProbeAllowed()) return refused();
  if (IsOSPageCacheBusy()) {  // Java checks this right after the writeable flag
    result.status = PutMessageStatus::kOsPageCacheBusy;
    return result;
  }
  // Mirrors Java's batch rule: a batch may not carry a delay level (PutMessage parks single
  // messages before they get here, already addressed to SCHEDULE_TOPIC_XXXX).
  for (const auto& msg : msgs) {
    if (!msg.delay_done && msg.topic != kScheduleTopic && DelayLevelOf(msg.properties) > 0) {
      result.status = PutMessageStatus::kMessageIllegal;
      return result;
    }
  }
  for (const auto& msg : msgs) {
    PutMessageStatus st = CheckMessage(msg, msgs.front(), m.config);
    // Mirrors Java: a batch may not carry a transaction type.
    if (st == PutMessageStatus::kPutOk && msgs.size() > 1 && (StoredSysFlag(msg) & kTransactionTypeMask) != 0) {
      st = PutMessageStatus::kMessageIllegal;
    }
    if (st != PutMessageStatus::kPutOk) {
      result.status = st;
      return result;
    }
  }
  const MessageToStore& first = msgs.front();
  const bool dispatch = DispatchesToConsumeQueue(StoredSysFlag(first));
  std::shared_ptr<ConsumeQueue> cq = m.queues->FindOrCreate(first.topic, first.queue_id);
  // PREPARED/ROLLBACK records carry queue offset 0 and get no ConsumeQueue entry (Java).
  const int64_t first_queue_offset = dispatch ? cq->MaxOffset() : 0;
  // The ConsumeQueue and index files the records will need exist and have disk space before
  // anything reaches the CommitLog, so a refusal leaves no record without its entries.
  if (dispatch) {
    Status ps = cq->PrepareForPut();
    if (!ps.ok()) {
      m.MarkNoSpace(ps);
      return refused();
    }
  }
  if (!m.index->Writable()) {  // Java's makeIndexFileError; logged by the index service
    m.MarkNoSpace(Status::IOError("no index file to write"));
    return refused();
  }
  const int64_t now = NowMs();
  AppendResult appended;
  Status s = m.commit_log->Append(msgs.data(), msgs.size(), first_queue_offset, now, &appended);
  if (s.IsInvalidArgument()) {
    result.status = PutMessageStatus::kMessageIllegal;
    return result;
  }
  if (IsNoSpace(s)) {
    m.MarkNoSpace(s);
    return refused();
  }
  if (!s.ok()) {
    RMQ_LOG_ERROR("CommitLog append failed: %s", s.ToString().c_str());
    result.status = PutMessageStatus::kCreateMappedFileFailed;
    return result;
  }
  // A plain load first: the locked exchange only when a refusal is to be cleared.
  if (m.space_refused.load(std::memory_order_acquire) && m.space_refused.exchange(false)) {
    RMQ_LOG_INFO("store files have disk space again; writes are accepted again");
  }
  // The records' ConsumeQueue and index entries, through the one dispatch path with the fields
  // already known (no decode). PREPARED/ROLLBACK records get none in the ConsumeQueue.
  for (size_t i = 0; i < msgs.size(); ++i) {
    DispatchRequest r;
    r.topic = msgs[i].topic;
    r.queue_id = msgs[i].queue_id;
    r.queue_offset = first_queue_offset + static_cast<int64_t>(i);
    r.commit_log_offset = appended.phy_offsets[i];
    r.size = appended.sizes[i];
    r.sys_flag = StoredSysFlag(msgs[i]);
    r.store_timestamp = now;
    r.properties = msgs[i].properties;
    r.tags_code = msgs[i].tags_code;
    Status ps = m.reput->Dispatch(r, cq.get());
    // The record is in the CommitLog; a clean restart re-dispatches it from there.
    if (!ps.ok()) RMQ_LOG_ERROR("ConsumeQueue write failed: %s", ps.ToString().c_str());
  }
  m.reput->set_reput_offset(appended.wrote_offset + appended.wrote_bytes);
  m.commit_log->set_last_store_timestamp(now);
  if (m.commit) m.commit->OnAppended();
  result.status = PutMessageStatus::kPutOk;
  result.wrote_offset = appended.wrote_offset;
  result.wrote_bytes = appended.wrote_bytes;
  result.queue_offset = first_queue_offset;
  result.store_timestamp = now;
  result.msg_num = static_cast<int32_t>(msgs.size());
  result.phy_offsets = std::move(appended.phy_offsets);
  return result;
}

Status MessageStore::AppendToCommitLog(int64_t offset, std::string_view data) {
  Impl& m = *impl_;
  if (!m.open) return Status::Busy("store not open");
  Status s = m.commit_log->AppendRaw(offset, data);
  if (IsNoSpace(s)) m.MarkNoSpace(s);
  if (!s.ok()) return s;
  ReputResult r = m.reput->CatchUp();
  if (r.records > 0) m.commit_log->set_last_store_timestamp(r.last_store_timestamp);
  if (m.commit) m.commit->OnAppended();
  if (r.consume_queue_short_of_space) {
    m.writes_need_restart = true;
    return Status::IOError("ConsumeQueue short of disk space; entries are rebuilt at the next start");
  }
  return r.status;
}

void MessageStore::SetFlushListener(std::function<void(int64_t flushed_offset)> on_flushed) {
  impl_->flush_listener = on_flushed;
  if (impl_->flush) impl_->flush->SetListener(std::move(on_flushed));
}

void MessageStore::RequestFlush(int64_t offset) {
  if (impl_->open) impl_->flush->RequestFlush(offset);
}

int64_t MessageStore::FlushedOffset() const { return impl_->open ? impl_->flush->flushed_offset() : 0; }

bool MessageStore::IsOSPageCacheBusy() const {
  const Impl& m = *impl_;
  if (!m.open) return false;
  const int64_t waited = m.flush->OldestRequestAgeMs();
  return waited > m.config.os_page_cache_busy_time_out_mills;
}

void MessageStore::ExecuteDeleteFilesManually() {
  if (impl_->open) impl_->clean->ExecuteDeleteFilesManually();
}

int MessageStore::CleanExpiredConsumerQueue() {
  if (!impl_->open) return 0;
  return impl_->queues->CleanExpiredQueues(impl_->commit_log->MinOffset(), kScheduleTopic);
}

void MessageStore::RunCleanPass(int64_t now_ms) {
  if (impl_->open) impl_->clean->RunOnce(now_ms);
}

bool MessageStore::IsDiskFull() const {
  return impl_->open && (impl_->clean->disk_full() || impl_->writes_need_restart ||
                         impl_->space_refused.load(std::memory_order_acquire));
}

std::string MessageStore::DiskUtil() const {
  const Impl& m = *impl_;
  // Java prints the used share as getDiskPartitionSpaceUsedPercent returns it: a ratio (0.95).
  auto pct = [&](const char* dir) { return m.open ? m.clean->DiskUsedRatio(m.RootPath(dir)) : -1.0; };
  char buf[96];
  std::snprintf(buf, sizeof(buf), "CL: %5.2f CQ: %5.2f INDEX: %5.2f", pct("commitlog"), pct("consumequeue"),
                pct("index"));
  return buf;
}

int64_t MessageStore::GetMinPhyOffset() const { return impl_->open ? impl_->commit_log->MinOffset() : 0; }

int64_t MessageStore::GetMaxPhyOffset() const { return impl_->open ? impl_->commit_log->MaxOffset() : 0; }

void MessageStore::DeleteTopic(std::string_view topic) {
  if (!impl_->open) return;
  Status s = impl_->queues->DeleteTopic(topic);
  if (!s.ok()) RMQ_LOG_ERROR("delete topic %.*s: %s", static_cast<int>(topic.size()), topic.data(),
                             s.ToString().c_str());
}

}  // namespace rmq::store
