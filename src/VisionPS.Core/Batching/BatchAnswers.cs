using System;
using System.Collections.Generic;
using System.Linq;
using VisionPS.Core.Asking;
using VisionPS.Core.OpenAI;

namespace VisionPS.Core.Batching
{
    /// <summary>One submitted request of a batch, matched with what the batch's files say about it.</summary>
    public sealed class BatchAnswer
    {
        internal BatchAnswer(string customId, BatchRecordItem? item, BatchOutcome? outcome)
        {
            CustomId = customId;
            Item = item;
            Outcome = outcome;
        }

        /// <summary>The request's custom_id.</summary>
        public string CustomId { get; }

        /// <summary>The image behind it, from the local record; null without one.</summary>
        public BatchRecordItem? Item { get; }

        /// <summary>The image's source, or the custom_id when there is no record.</summary>
        public string Source => Item?.Source ?? CustomId;

        /// <summary>The line for it in the output or error file; null when the batch has none (never ran, or unreadable).</summary>
        public BatchOutcome? Outcome { get; }
    }

    /// <summary>Maps a finished batch's output back to the images that were submitted.</summary>
    public static class BatchAnswers
    {
        /// <summary>
        /// Every request in submission order (the record's), then any line the record does not know, each with its
        /// outcome; of several lines for the same custom_id, an answer wins over an error (it was paid for), else the later.
        /// </summary>
        public static IEnumerable<BatchAnswer> Match(BatchRecord? record, IEnumerable<BatchOutcome> outcomes)
        {
            var byId = new Dictionary<string, BatchOutcome>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (BatchOutcome outcome in outcomes)
            {
                if (!byId.ContainsKey(outcome.CustomId))
                {
                    order.Add(outcome.CustomId);
                }
                if (!(byId.TryGetValue(outcome.CustomId, out BatchOutcome? earlier) && earlier.Result is not null && outcome.Result is null))
                {
                    byId[outcome.CustomId] = outcome;
                }
            }
            IEnumerable<string> sequence = record is null ? order : record.Items.Select(i => i.CustomId).Concat(order.Where(c => record.Find(c) is null));
            foreach (string customId in sequence)
            {
                yield return new BatchAnswer(customId, record?.Find(customId), byId.TryGetValue(customId, out BatchOutcome? outcome) ? outcome : null);
            }
        }

        /// <summary>The question a recorded batch asked (for the answer cache); null when the record cannot say.</summary>
        public static AskQuestion? QuestionOf(BatchRecord record)
        {
            if (record is null || !Enum.TryParse(record.Api, ignoreCase: true, out VisionApi api) || !Enum.TryParse(record.Detail, ignoreCase: true, out ImageDetail detail))
            {
                return null;
            }
            return new AskQuestion
            {
                Api = api,
                Model = record.Model,
                Prompt = record.Prompt,
                SystemPrompt = record.SystemPrompt,
                MaxTokens = record.MaxTokens,
                Temperature = record.Temperature,
                JsonSchema = record.JsonSchema is null ? null : new VisionJsonSchema(record.JsonSchemaName ?? "answer", record.JsonSchema),
                Detail = detail,
            };
        }
    }
}
