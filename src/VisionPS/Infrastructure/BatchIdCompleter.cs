using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.RegularExpressions;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// Tab completion for a batch -Id: the batches recorded locally (Start-VisionBatch's records), newest first, each
    /// with its submission time, model, image count and prompt as the tooltip. Without it PowerShell offers file names.
    /// </summary>
    public sealed class BatchIdCompleter : IArgumentCompleter
    {
        /// <summary>
        /// The -Id parameters' own validation pattern (^[A-Za-z0-9][A-Za-z0-9._-]*$), with no line break allowed at the end. A record file in a shared -BatchPath folder can name any id; only
        /// one the parameter accepts is offered, so a completion is never command text ('x; Remove-Item ~ #') run on Enter.
        /// </summary>
        private static readonly Regex s_acceptedId = new Regex(@"\A[A-Za-z0-9][A-Za-z0-9._-]*\z", RegexOptions.CultureInvariant);

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            IReadOnlyList<Core.Batching.BatchRecord> records;
            try
            {
                records = VisionDefaults.Current.OpenBatchStore().List();
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                return Array.Empty<CompletionResult>(); // no readable records folder: nothing to offer, never an error while typing
            }
            return records
                .Where(r => s_acceptedId.IsMatch(r.BatchId) && r.BatchId.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(r => new CompletionResult(r.BatchId, r.BatchId, CompletionResultType.ParameterValue, Tip(r)))
                .ToList();
        }

        private static string Tip(Core.Batching.BatchRecord record)
        {
            string prompt = record.Prompt.Length > 60 ? record.Prompt.Substring(0, 57) + "..." : record.Prompt;
            string part = record.Parts > 1 ? $" (part {record.Part} of {record.Parts})" : string.Empty;
            return string.Format(CultureInfo.InvariantCulture, "{0:yyyy-MM-dd HH:mm} {1}, {2} image(s){3}: {4}",
                record.SubmittedAt.ToLocalTime(), record.Model, record.Items.Count, part, prompt);
        }
    }
}
