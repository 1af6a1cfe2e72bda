package kz.kkm.app.logic

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kz.kkm.core.KkmInfo
import kz.kkm.core.OperatorInfo
import kz.kkm.core.OperatorRole
import kz.kkm.core.OperatorSetup
import kz.kkm.sdk.Kkm

/** The operators screen's data. */
data class OperatorsState(
    /** Every operator (PINs never leave the register). */
    val operators: List<OperatorInfo> = emptyList(),
    /** The KKMs an operator may be bound to. */
    val kkms: List<KkmInfo> = emptyList(),
)

/**
 * The administrator's operators screen (for shops without a desktop): the list, a new
 * operator or a change (name, PIN, role, the KKMs they may use), a deletion (never the
 * last administrator: code 16). Every rule is the register's; [adminPin] is the
 * administrator's PIN, kept only while the admin screens are open.
 */
class OperatorsModel(
    private val kkm: Kkm,
    private val adminPin: String,
    scope: CoroutineScope,
) : UiModel<OperatorsState>(OperatorsState(), scope) {

    /** Loads the operators and the KKMs. */
    fun load(): Job = act { reload() }

    /**
     * Creates ([id] `null`) or changes an operator: [pin] is required (the register stores
     * only its hash), [kkmOfdIds] the KKMs they may use.
     */
    fun save(id: Long?, name: String, pin: String, role: OperatorRole, kkmOfdIds: List<Long>): Job = act {
        require(name.isNotBlank()) { "Введите имя" }
        kkm.saveOperator(adminPin, OperatorSetup(id, name.trim(), pin, role, kkmOfdIds))
        reload()
    }

    /** Deletes an operator. */
    fun delete(id: Long): Job = act {
        kkm.deleteOperator(adminPin, id)
        reload()
    }

    private suspend fun reload() {
        val operators = kkm.operators(adminPin)
        val kkms = kkm.kkms(adminPin)
        set { OperatorsState(operators, kkms) }
    }

    companion object {
        /** The role's name on screen (Alsep's words). */
        fun roleName(role: OperatorRole): String = when (role) {
            OperatorRole.ADMINISTRATOR -> "Администратор"
            OperatorRole.SENIOR_CASHIER -> "Старший кассир"
            OperatorRole.CASHIER -> "Кассир"
        }
    }
}
