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
        /// The -Id parameters' own validation pattern (^[A-Za-z0-9][A-Za-z0-9._-]*$), with no line break allowed at the
        /// end. A record file in a shared -BatchPath folder can name any id; only one the parameter accepts is offered,
        /// so a completion is never command text ('x; Remove-Item ~ #') run on Enter.
        /// </summary>
        private static readonly Regex s_acceptedId = new Regex(@"\A[A-Za-z0-9][A-Za-z0-9._-]*\z", RegexOptions.CultureInvariant);

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            IReadOnlyList<Core.Batching.BatchRecordHead> records;
            try
            {
                // Only the files named like an id to offer are read, and only their heads: Tab stays quick with large
                // records, and a damaged or odd file (null fields, a FIFO) is passed over, not an error while typing.
                records = VisionDefaults.Current.OpenBatchStore().ListHeads(id => s_acceptedId.IsMatch(id) && id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException || ex is System.Security.SecurityException)
            {
                return Array.Empty<CompletionResult>(); // no readable records folder: nothing to offer, never an error while typing
            }
            return records
                .Select(r => new CompletionResult(r.BatchId, r.BatchId, CompletionResultType.ParameterValue, Tip(r)))
                .ToList();
        }

        private static string Tip(Core.Batching.BatchRecordHead record)
        {
            string prompt = record.Prompt.Length > 60 ? record.Prompt.Substring(0, 57) + "..." : record.Prompt;
            string images = record.ItemCount is int count ? string.Format(CultureInfo.InvariantCulture, ", {0} image(s)", count) : string.Empty;
            string part = record.Parts > 1 ? $" (part {record.Part} of {record.Parts})" : string.Empty;
            string model = record.Model.Length == 0 ? "(model not recorded)" : record.Model;
            return string.Format(CultureInfo.InvariantCulture, "{0:yyyy-MM-dd HH:mm} {1}{2}{3}: {4}",
                record.SubmittedAt.ToLocalTime(), model, images, part, prompt);
        }
    }
}
