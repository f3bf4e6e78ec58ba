using System;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// A batch id (-Id of Get/Wait/Receive/Stop-VisionBatch) must be one word of letters, digits, '.', '_' and '-',
    /// as the ValidatePattern it replaces required; anything else is refused in words, not with a regular expression.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ValidateBatchIdAttribute : ValidateEnumeratedArgumentsAttribute
    {
        private static readonly Regex s_id = new Regex("^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant);

        protected override void ValidateElement(object element)
        {
            object? value = element is PSObject pso ? pso.BaseObject : element;
            string text = value as string ?? value?.ToString() ?? string.Empty;
            if (!s_id.IsMatch(text))
            {
                throw new ValidationMetadataException(
                    $"'{text}' is not a batch id (such as batch_abc123): give the Id of a Start-VisionBatch or Get-VisionBatch result, the batch itself, or pipe the batches (Get-VisionBatch | Wait-VisionBatch).");
            }
        }
    }
}
