//! The Tron node of the treasury file (`[trc20] node_url`): what a TRC-20 review takes from
//! the chain instead of the operator — the reference block of the node's head block.

use clubgate_chain::tron_http::{NowBlock, TronNode};
use clubgate_core::plan::Network;
use clubgate_core::treasury::Treasury;

use crate::flow::OperatorInput;
use crate::Result;

/// The client of the file's Tron node, if it names one.
pub fn node(treasury: &Treasury) -> Result<Option<TronNode>> {
    Ok(treasury.trc20.node_url.as_deref().map(TronNode::new).transpose()?)
}

/// The node's head block with its reference block fields, if the file names a node.
pub async fn head_block(treasury: &Treasury) -> Result<Option<NowBlock>> {
    match node(treasury)? {
        Some(node) => Ok(Some(node.now_block().await?)),
        None => Ok(None),
    }
}

/// The operator input of a review on `network`: a reference block the operator typed is
/// kept; otherwise, for a TRC-20 chunk with a node in the treasury file, the node's head
/// block gives it (`wallet/getnowblock`). Without either the review refuses, asking for one.
pub async fn with_node_ref_block(treasury: &Treasury, network: Network, input: OperatorInput) -> Result<OperatorInput> {
    if network != Network::Trc20 || input.ref_block.is_some() {
        return Ok(input);
    }
    Ok(match head_block(treasury).await? {
        Some(block) => OperatorInput { ref_block: Some((block.ref_block_bytes, block.ref_block_hash)), ..input },
        None => input,
    })
}
