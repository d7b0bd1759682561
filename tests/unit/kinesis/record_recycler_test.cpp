// Tests the record free list between the sender and the encoder: what it keeps, what it hands
// back, and its bound.
#include "kinesis/record_recycler.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace tk::kinesis {
namespace {

Record WithBuffer(size_t capacity) {
  Record record;
  record.partition_key = "sandbox-key-0123";
  record.data.reserve(capacity);
  record.data = "event";
  return record;
}

TEST(RecordRecyclerTest, KeepsSpentRecordsAndHandsTheirBuffersBackForReuse) {
  RecordRecycler recycler;
  std::vector<Record> spent;
  for (size_t capacity : {512, 600, 700}) spent.push_back(WithBuffer(capacity));
  const char* first_buffer = spent[0].data.data();
  recycler.Give(spent);
  EXPECT_TRUE(spent.empty());
  EXPECT_EQ(recycler.size(), 3u);

  std::vector<Record> taken;
  EXPECT_EQ(recycler.Take(taken, 2), 2u);
  EXPECT_EQ(taken.size(), 2u);
  EXPECT_EQ(recycler.size(), 1u);
  EXPECT_EQ(recycler.Take(taken, 5), 1u);
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken.back().data.data(), first_buffer);  // the buffer itself, not a copy
  EXPECT_GE(taken.back().data.capacity(), 512u);
  EXPECT_EQ(recycler.Take(taken, 5), 0u);
}

TEST(RecordRecyclerTest, FreesRecordsWithoutAReusableBufferOrWithAHugeOne) {
  RecordRecycler recycler;
  Record moved_from = WithBuffer(512);
  Record keeper = std::move(moved_from);
  std::vector<Record> spent;
  spent.push_back(std::move(moved_from));                    // no buffer left
  spent.push_back(WithBuffer(kMaxRecycledRecordBytes * 2));  // would pin a large buffer
  spent.push_back(std::move(keeper));
  recycler.Give(spent);
  EXPECT_TRUE(spent.empty());
  EXPECT_EQ(recycler.size(), 1u);
}

TEST(RecordRecyclerTest, KeepsABorrowedRecordForItsKeyBufferButNotItsBody) {
  RecordRecycler recycler;
  auto batch = std::make_shared<SharedBatch>();
  batch->body = "[{}]";
  std::weak_ptr<const SharedBatch> body = batch;
  std::vector<Record> spent(1);
  spent[0].partition_key = "0123456789abcdef";  // one byte over the in-place room: on the heap
  spent[0].batch = std::move(batch);
  spent[0].event = std::string_view(spent[0].batch->body).substr(1, 2);
  const char* key_buffer = spent[0].partition_key.data();
  recycler.Give(spent);
  EXPECT_TRUE(body.expired()) << "a spent record must not keep its POST body alive";
  std::vector<Record> taken;
  ASSERT_EQ(recycler.Take(taken, 1), 1u);
  EXPECT_EQ(taken[0].partition_key.data(), key_buffer);
  EXPECT_FALSE(taken[0].borrowed());
  EXPECT_TRUE(taken[0].event.empty());
}

TEST(RecordRecyclerTest, NeverHoldsMoreThanItsBound) {
  RecordRecycler recycler(4);
  std::vector<Record> spent;
  for (int i = 0; i < 10; ++i) spent.push_back(WithBuffer(256));
  recycler.Give(spent);
  EXPECT_TRUE(spent.empty());
  EXPECT_EQ(recycler.size(), 4u);
}

}  // namespace
}  // namespace tk::kinesis
